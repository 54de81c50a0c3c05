-- per-commune values a report is built from: flows summed over the report's
-- half-years (H1 alone, or H1 + H2 for the year report), stocks from its last half-year
with facts_in_scope as (
    select
        f.form,
        f.indicator,
        f.category,
        f.item,
        f.attribute,
        f.org_unit,
        f.period,
        f.value
    from fact as f
    where exists (
        select 1 from unit_member as m
        where m.unit = :unit and m.org_unit = f.org_unit
          and f.period between m.first_period and m.last_period
    )
      and f.is_current
      and f.period in (:first_period, :last_period)
),

with_kind as (
    select
        fs.form,
        fs.indicator,
        fs.category,
        fs.item,
        fs.attribute,
        fs.org_unit,
        fs.period,
        fs.value,
        i.kind
    from facts_in_scope as fs
    inner join indicator as i on i.form = fs.form and i.code = fs.indicator
),

chosen as (
    select *
    from with_kind
    where kind = 'flow'
       or period = :last_period
)

select
    c.form,
    c.indicator,
    c.category,
    c.item,
    c.attribute,
    c.org_unit,
    round(sum(c.value), 3) as value
from chosen as c
group by c.form, c.indicator, c.category, c.item, c.attribute, c.org_unit
order by c.form, c.indicator, c.category, c.org_unit, c.item
