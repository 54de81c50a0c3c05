-- what the ledger holds for a period, to tell which inbox files need no new run
select
    district,
    form,
    file_name,
    sha256,
    status
from submission
where period = :period
