-- rejected files of a period that no later accepted file of the same form has answered
with rejected as (
    select
        id,
        form,
        file_name,
        arrival_at,
        messages
    from submission
    where district = :district
      and period = :period
      and status = 'rejected'
),

answered as (
    select r.id
    from rejected as r
    inner join submission as a
        on a.district = :district
        and a.period = :period
        and a.form = r.form
        and a.status = 'accepted'
        and a.arrival_at > r.arrival_at
)

select
    r.form,
    r.file_name,
    r.arrival_at,
    r.messages
from rejected as r
where r.id not in (select id from answered)
order by r.form, r.arrival_at, r.file_name
