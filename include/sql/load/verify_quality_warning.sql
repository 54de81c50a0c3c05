-- the clerk verified a warning, for the values it was raised for
update quality_warning
set verified_by = :user_name,
    verified_at = :verified_at,
    verified_comment = :comment,
    verified_signature = signature
where id = :id
