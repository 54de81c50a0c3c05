-- policy, loan programme and project codes of the long forms
create table if not exists category (
    dimension text not null,
    code text not null,
    label text not null,
    legal_basis text not null default '',
    primary key (dimension, code)
)
