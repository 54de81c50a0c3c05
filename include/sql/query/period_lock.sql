-- whether a unit's period is locked, and how many approved finals it has
select
    locked,
    final_version,
    changed_at,
    changed_by
from period_lock
where unit = :unit
  and period = :period
