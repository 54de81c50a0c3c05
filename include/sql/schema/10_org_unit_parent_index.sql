create index if not exists org_unit_parent on org_unit (parent_code)
