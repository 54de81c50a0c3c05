insert into org_unit (code, name, level, kind, parent_code)
values (:code, :name, :level, :kind, :parent_code)
on conflict (code) do update
set name = excluded.name,
    level = excluded.level,
    kind = excluded.kind,
    parent_code = excluded.parent_code
