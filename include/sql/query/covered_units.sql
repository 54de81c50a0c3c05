-- which of a district's communes each form covers in a period (current facts), for the completeness check
select distinct
    f.form,
    f.org_unit
from fact as f
inner join org_unit as u on u.code = f.org_unit
where u.parent_code = :district
  and f.is_current
  and f.period = :period
