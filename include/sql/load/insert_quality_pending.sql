-- a load owes its (unit, period) a data-quality check: written in the load's own transaction
insert into quality_pending (load_id, unit, period, loaded_at)
values (:load_id, :unit, :period, :loaded_at)
on conflict (load_id, unit, period) do nothing
