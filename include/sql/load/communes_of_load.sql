-- the communes a load's rows name, with the periods each is valid in: a row naming another unit is refused
select
    code,
    first_period,
    last_period
from org_unit
where level = 'commune'
  and code in :codes
