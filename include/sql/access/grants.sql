-- every grant, or one user's, in a stable order
select
    user_name,
    unit_code,
    unit_valid_from,
    role,
    granted_by,
    granted_at
from access_grant
where cast(:user_name as text) is null or user_name = :user_name
order by user_name, unit_code, unit_valid_from, role
