-- the feedback workbook written for a rejected file
update submission
set feedback_path = :feedback_path
where id = :submission_id
