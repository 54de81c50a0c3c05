-- the current values of a district's communes in the periods before one: the history an outlier
-- is measured against (items and attributes summed per figure)
with earlier_facts as (
    select
        f.form,
        f.indicator,
        f.category,
        f.org_unit,
        f.period,
        f.value
    from fact as f
    where f.org_unit in (select code from org_unit where parent_code = :district)
      and f.is_current
      and f.period < :period
)

select
    form,
    indicator,
    category,
    org_unit,
    period,
    sum(value) as value
from earlier_facts
group by form, indicator, category, org_unit, period
