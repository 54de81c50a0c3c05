-- a unit's totals per indicator and category for one period, from current facts only
with current_facts as (
    select
        f.form,
        f.indicator,
        f.category,
        f.org_unit,
        f.value
    from fact as f
    where exists (
        select 1 from unit_member as m
        where m.unit = :unit and m.org_unit = f.org_unit
          and f.period between m.first_period and m.last_period
    )
      and f.is_current
      and f.period = :period
),

totals as (
    select
        form,
        indicator,
        category,
        round(sum(value), 3) as total,
        min(value) as min_value,
        max(value) as max_value,
        count(distinct org_unit) as units
    from current_facts
    group by form, indicator, category
)

select
    t.form,
    t.indicator,
    t.category,
    i.label,
    i.unit_type,
    i.kind,
    t.total,
    t.min_value,
    t.max_value,
    t.units
from totals as t
inner join indicator as i on i.form = t.form and i.code = t.indicator
order by t.form, i.position, t.category
