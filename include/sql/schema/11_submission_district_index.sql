-- ledger lookups of one district's period and form (twins, earlier versions, the Submissions page)
create index if not exists submission_slot on submission (district, period, form, status)
