-- a unit's period locked (approved) or open again, with how many finals it has
insert into period_lock (unit, period, locked, final_version, changed_at, changed_by)
values (:unit, :period, :locked, :final_version, :changed_at, :changed_by)
on conflict (unit, period) do update
set locked = excluded.locked,
    final_version = excluded.final_version,
    changed_at = excluded.changed_at,
    changed_by = excluded.changed_by
