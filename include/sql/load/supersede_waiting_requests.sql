-- a newer draft replaces the requests still waiting for the same unit's period
update approval_request
set status = 'superseded'
where unit = :unit
  and period = :period
  and status = 'waiting'
  and id <> :id
