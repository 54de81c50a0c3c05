-- the current values of some communes in some periods, items and attributes summed per figure: the
-- history an outlier is measured against. A fact's period tells which unit its code named (codes are
-- reused across the 2025 reform); the caller asks for each commune's predecessors of each period and
-- restates them on today's units (giamngheo.units.restate)
with asked_facts as (
    select
        f.form,
        f.indicator,
        f.category,
        f.org_unit,
        f.period,
        f.value
    from fact as f
    where f.is_current
      and f.org_unit in :codes
      and f.period in :periods
)

select
    form,
    indicator,
    category,
    org_unit,
    period,
    sum(value) as value
from asked_facts
group by form, indicator, category, org_unit, period
