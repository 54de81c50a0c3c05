-- organisation units: province -> district -> commune, with stable codes
create table if not exists org_unit (
    code text primary key,
    name text not null,
    level text not null,
    kind text not null,
    parent_code text references org_unit (code)
)
