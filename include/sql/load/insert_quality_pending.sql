-- a load owes its (district, period) a data-quality check: written in the load's own transaction
insert into quality_pending (load_id, district, period, loaded_at)
values (:load_id, :district, :period, :loaded_at)
on conflict (load_id, district, period) do nothing
