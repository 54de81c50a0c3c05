-- a unit's period's approval requests, newest first
select
    id,
    unit,
    period,
    digest,
    document,
    requested_at,
    status,
    answered_by,
    answered_at,
    comment
from approval_request
where unit = :unit
  and period = :period
order by requested_at desc, id desc
