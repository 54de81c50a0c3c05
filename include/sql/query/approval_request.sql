-- one approval request
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
where id = :id
