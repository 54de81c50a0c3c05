-- an accepted submission with the same content: re-sending it changes nothing
select id, file_name
from submission
where district = :district
  and period = :period
  and form = :form
  and sha256 = :sha256
  and status = 'accepted'
order by arrival_at, file_name
limit 1
