-- which of a district's communes each form covers in a period (current facts), for the completeness check
select distinct
    f.form,
    f.org_unit
from fact as f
where f.org_unit in (select code from org_unit where parent_code = :district)
  and f.is_current
  and f.period = :period
