-- which communes each form covers in a period (current facts), for the completeness check
select distinct
    form,
    org_unit
from fact
where is_current
  and period = :period
