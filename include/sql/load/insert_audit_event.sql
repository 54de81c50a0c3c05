-- one step of a period's approval trail: requested, approved, sent_back, locked, held, reopened, released
insert into audit_event (id, unit, period, action, actor, at, reason, details)
values (:id, :unit, :period, :action, :actor, :at, :reason, :details)
