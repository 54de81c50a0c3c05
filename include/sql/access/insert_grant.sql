-- a user's role on a dated unit; granting it again changes nothing
insert into access_grant (user_name, unit_code, unit_valid_from, role, granted_by, granted_at)
select :user_name, :unit_code, :unit_valid_from, :role, :granted_by, :granted_at
where not exists (
    select 1
    from access_grant
    where user_name = :user_name
      and unit_code = :unit_code
      and unit_valid_from = :unit_valid_from
      and role = :role
)
