-- a complete draft put to the approvers
insert into approval_request (id, unit, period, digest, document, requested_at, status)
values (:id, :unit, :period, :digest, :document, :requested_at, 'waiting')
