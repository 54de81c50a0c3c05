-- a unit's period's held files, in the ledger's order (arrival, then file name)
select
    id,
    unit,
    period,
    form,
    file_name,
    file_path,
    sha256,
    size_bytes,
    arrival_at,
    received_at,
    archive_path,
    processed_by,
    row_count,
    released_at,
    released_by
from held_submission
where unit = :unit
  and period = :period
order by arrival_at, file_name
