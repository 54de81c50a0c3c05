-- the (period, form, commune) slices the given submissions cover, with their place in the ledger's order
select
    s.id as submission_id,
    s.period,
    s.form,
    s.arrival_at,
    s.file_name,
    sl.org_unit
from submission_slice as sl
inner join submission as s on s.id = sl.submission_id
where sl.submission_id in :ids
