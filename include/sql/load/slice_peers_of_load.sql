-- per slice of a load, the other accepted submissions of that slice (same unit, period, form, commune),
-- with their order (arrival, then name): a submission's version counts the earlier ones, and the nearest
-- newer one supersedes its rows. Both steps are materialized: a warehouse's first loads run before its
-- statistics are gathered, and the planner would then pair every submission of a form with every other
with load_slice as materialized (
    select
        s.id,
        s.unit,
        s.period,
        s.form,
        s.arrival_at,
        s.file_name,
        sl.org_unit
    from submission as s
    inner join submission_slice as sl on sl.submission_id = s.id
    where s.id in :ids
),

slice_peer as materialized (
    select
        ls.id,
        ls.unit,
        ls.period,
        ls.form,
        ls.arrival_at,
        ls.file_name,
        ls.org_unit,
        esl.submission_id as peer_id
    from load_slice as ls
    inner join submission_slice as esl on esl.org_unit = ls.org_unit
    where esl.submission_id <> ls.id
)

select
    sp.id,
    sp.org_unit,
    sp.arrival_at,
    sp.file_name,
    e.id as peer_id,
    e.arrival_at as peer_arrival_at,
    e.file_name as peer_file_name
from slice_peer as sp
inner join submission as e on e.id = sp.peer_id
where e.unit = sp.unit
  and e.period = sp.period
  and e.form = sp.form
  and e.status = 'accepted'
