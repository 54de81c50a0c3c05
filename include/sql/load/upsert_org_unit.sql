-- one dated unit of the reference data, keyed by its code and first day (codes are reused)
insert into org_unit (code, valid_from, valid_to, name, level, kind, parent_code, legal_ref, first_period, last_period)
values (
    :code, :valid_from, :valid_to, :name, :level, :kind, :parent_code, :legal_ref, :first_period, :last_period
)
on conflict (code, valid_from) do update
set valid_to = excluded.valid_to,
    name = excluded.name,
    level = excluded.level,
    kind = excluded.kind,
    parent_code = excluded.parent_code,
    legal_ref = excluded.legal_ref,
    first_period = excluded.first_period,
    last_period = excluded.last_period
