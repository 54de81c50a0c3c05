-- the files the ledger keeps for one submission: the archived copy of what the unit sent, and the
-- Data Docs page of its validation and the feedback workbook (rejected files); with its unit, period
-- and communes, for who may see them
select
    s.id,
    s.unit,
    s.period,
    s.file_name,
    s.archive_path,
    s.docs_path,
    s.feedback_path,
    sl.org_unit
from submission as s
left join submission_slice as sl on sl.submission_id = s.id
where s.id = :submission_id
