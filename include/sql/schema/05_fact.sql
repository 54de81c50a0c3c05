-- facts keyed by period, org unit, indicator and category; superseded rows stay as history
create table if not exists fact (
    submission_id text not null references submission (id),
    period text not null,
    form text not null,
    org_unit text not null references org_unit (code),
    indicator text not null,
    category text not null default '',
    item text not null default '',
    attribute text not null default '',
    value numeric(20, 3) not null,
    source_row integer not null,
    is_current boolean not null,
    superseded_by text references submission (id),
    primary key (submission_id, org_unit, indicator, category, item),
    foreign key (form, indicator) references indicator (form, code)
)
