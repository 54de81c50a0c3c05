-- ledger rows of the given submissions (a final's sources)
select *
from submission
where id in :ids
