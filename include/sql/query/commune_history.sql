-- the current values of a unit's communes in the periods before one: the history an outlier
-- is measured against (items and attributes summed per figure). Only the same unit's past counts: a
-- code reused by a new commune after a merger has no history of its predecessor's figures here.
with earlier_facts as (
    select
        f.form,
        f.indicator,
        f.category,
        f.org_unit,
        f.period,
        f.value
    from fact as f
    inner join org_unit as u
        on u.code = f.org_unit
        and :period between u.first_period and u.last_period
        and f.period >= u.first_period
    where exists (
        select 1 from unit_member as m
        where m.unit = :unit and m.org_unit = f.org_unit
          and f.period between m.first_period and m.last_period
    )
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
