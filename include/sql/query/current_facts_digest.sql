-- every current figure, in a fixed order: two warehouses holding the same files once list the same rows
select
    f.period,
    f.form,
    f.org_unit,
    f.indicator,
    f.category,
    f.item,
    f.attribute,
    f.value
from fact as f
where f.is_current
order by f.period, f.form, f.org_unit, f.indicator, f.category, f.item, f.attribute
