-- what the ledger holds for a period: a file seen before (same content, or the same path, time and
-- size) is not read again, whether it was accepted or rejected
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
