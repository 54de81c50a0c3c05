-- a newer draft replaces the requests still waiting for the same district's period
update approval_request
set status = 'superseded'
where district = :district
  and period = :period
  and status = 'waiting'
  and id <> :id
