-- the loads whose data-quality check has not run yet, for a unit's period
select
    load_id,
    unit,
    period,
    loaded_at
from quality_pending
where unit = :unit
  and period = :period
order by loaded_at, load_id
