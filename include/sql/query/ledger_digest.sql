-- what the ledger holds for a period (re-sends of accepted content included): a file seen before (same
-- content, or the same path, time and
-- size) is not read again, whether it was accepted, rejected or held
select
    unit,
    form,
    file_name,
    file_path,
    sha256,
    size_bytes,
    arrival_at,
    status
from submission
where period = :period

union all

select
    unit,
    form,
    file_name,
    file_path,
    sha256,
    size_bytes,
    arrival_at,
    'held' as status
from held_submission
where period = :period
  and released_at is null

union all

select
    s.unit,
    s.form,
    r.file_name,
    r.file_path,
    s.sha256,
    r.size_bytes,
    r.arrival_at,
    'resent' as status
from submission_resend as r
inner join submission as s on s.id = r.submission_id
where s.period = :period
