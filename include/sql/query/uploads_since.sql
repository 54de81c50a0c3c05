-- how many files a user has uploaded from the desk since a moment (the rate limit of uploads)
select count(*) as uploads
from audit_event
where action = 'uploaded'
  and actor = :actor
  and at >= :since
