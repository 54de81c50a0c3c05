-- the files the ledger keeps for one submission: the archived copy of what the unit sent, and the
-- Data Docs page of its validation and the feedback workbook (rejected files)
select
    id,
    unit,
    file_name,
    archive_path,
    docs_path,
    feedback_path
from submission
where id = :submission_id
