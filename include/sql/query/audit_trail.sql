-- a unit's period's approval trail, oldest first
select
    action,
    actor,
    at,
    reason,
    details
from audit_event
where unit = :unit
  and period = :period
order by at, id
