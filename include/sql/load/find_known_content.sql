-- a submission of the same unit, period and form with the same content, accepted, rejected or
-- held (a locked period's): the file was processed before and is not read again
with known as (
    select
        id,
        file_name,
        status,
        version,
        arrival_at
    from submission
    where unit = :unit
      and period = :period
      and form = :form
      and sha256 = :sha256

    union all

    select
        id,
        file_name,
        'held' as status,
        0 as version,
        arrival_at
    from held_submission
    where unit = :unit
      and period = :period
      and form = :form
      and sha256 = :sha256
      and released_at is null
)

select
    id,
    file_name,
    status,
    version,
    arrival_at
from known
order by arrival_at, file_name
limit 1
