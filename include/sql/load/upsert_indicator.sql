insert into indicator (form, code, label, unit_type, kind, position)
values (:form, :code, :label, :unit_type, :kind, :position)
on conflict (form, code) do update
set label = excluded.label,
    unit_type = excluded.unit_type,
    kind = excluded.kind,
    position = excluded.position
