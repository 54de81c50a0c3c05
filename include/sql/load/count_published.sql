select count(*) as published
from fact
where submission_id = :submission_id
