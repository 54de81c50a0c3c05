-- at most one current value per cell of the report, enforced by the database
create unique index if not exists fact_current_key
    on fact (period, form, org_unit, indicator, category, item)
    where is_current
