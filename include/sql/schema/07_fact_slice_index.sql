create index if not exists fact_slice on fact (period, form, org_unit)
