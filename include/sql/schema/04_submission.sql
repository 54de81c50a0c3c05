-- the submissions ledger: every file seen, accepted or rejected, never deleted
create table if not exists submission (
    id text primary key,
    district text not null,
    period text not null,
    form text not null,
    file_name text not null,
    file_path text not null,
    sha256 text not null,
    size_bytes integer not null,
    arrival_at text not null,
    received_at text not null,
    status text not null check (status in ('accepted', 'rejected')),
    version integer not null,
    row_count integer not null default 0,
    messages text not null default '[]',
    docs_path text,
    processed_by text,
    unique (district, period, form, file_name, sha256)
)
