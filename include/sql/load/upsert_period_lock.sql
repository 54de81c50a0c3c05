-- a district's period locked (approved) or open again, with how many finals it has
insert into period_lock (district, period, locked, final_version, changed_at, changed_by)
values (:district, :period, :locked, :final_version, :changed_at, :changed_by)
on conflict (district, period) do update
set locked = excluded.locked,
    final_version = excluded.final_version,
    changed_at = excluded.changed_at,
    changed_by = excluded.changed_by
