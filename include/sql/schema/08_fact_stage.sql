-- staging area of one load; emptied by the transaction that publishes it
create table if not exists fact_stage (
    load_id text not null,
    org_unit text not null,
    indicator text not null,
    category text not null default '',
    item text not null default '',
    attribute text not null default '',
    value numeric(20, 3) not null,
    source_row integer not null
)
