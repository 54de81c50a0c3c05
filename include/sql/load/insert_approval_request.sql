-- a complete draft put to the approvers
insert into approval_request (id, district, period, digest, document, requested_at, status)
values (:id, :district, :period, :digest, :document, :requested_at, 'waiting')
