-- a submission of the same district, period and form with the same content, accepted or rejected:
-- the file was processed before and is not read again
select
    id,
    file_name,
    status,
    version
from submission
where district = :district
  and period = :period
  and form = :form
  and sha256 = :sha256
order by arrival_at, file_name
limit 1
