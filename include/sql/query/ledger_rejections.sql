-- every rejected file of a period, newest first
select
    form,
    file_name,
    arrival_at,
    version,
    messages,
    processed_by
from submission
where period = :period
  and status = 'rejected'
order by arrival_at desc, file_name
