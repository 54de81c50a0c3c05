-- per submission of a load: the facts it published, and how many facts of the load it superseded
with load_fact as (
    select
        submission_id,
        superseded_by
    from fact
    where submission_id in :ids
),

published as (
    select
        submission_id as id,
        count(*) as n
    from load_fact
    group by submission_id
),

superseded as (
    select
        superseded_by as id,
        count(*) as n
    from load_fact
    where superseded_by is not null
    group by superseded_by
)

select
    s.id,
    coalesce(p.n, 0) as published,
    coalesce(x.n, 0) as superseded_in_load
from submission as s
left join published as p on p.id = s.id
left join superseded as x on x.id = s.id
where s.id in :ids
