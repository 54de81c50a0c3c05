-- the indicator catalogue, derived from include/reference/forms.yaml
create table if not exists indicator (
    form text not null,
    code text not null,
    label text not null,
    unit_type text not null,
    kind text not null check (kind in ('flow', 'stock')),
    position integer not null,
    primary key (form, code)
)
