-- a user's role on a unit withdrawn (every version of the code, or the one named)
delete from access_grant
where user_name = :user_name
  and unit_code = :unit_code
  and (cast(:unit_valid_from as text) is null or unit_valid_from = :unit_valid_from)
  and (cast(:role as text) is null or role = :role)
