-- every rejected file of a district's period, newest first
select
    form,
    file_name,
    arrival_at,
    version,
    messages,
    processed_by
from submission
where district = :district
  and period = :period
  and status = 'rejected'
order by arrival_at desc, file_name
