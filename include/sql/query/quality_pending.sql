-- the loads whose data-quality check has not run yet, for a district's period
select
    load_id,
    district,
    period,
    loaded_at
from quality_pending
where district = :district
  and period = :period
order by loaded_at, load_id
