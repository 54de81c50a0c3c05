-- what the ledger holds for a period: a file seen before (same content, or the same path, time and
-- size) is not read again, whether it was accepted, rejected or held
select
    district,
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
    district,
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
