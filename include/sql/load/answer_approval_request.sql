-- the approver's answer to a waiting request
update approval_request
set status = :status,
    answered_by = :answered_by,
    answered_at = :answered_at,
    comment = :comment
where id = :id
  and status = 'waiting'
