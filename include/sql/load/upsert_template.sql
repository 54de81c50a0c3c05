-- a blank template written for a (unit, period, form, commune): written again, its row is updated
insert into unit_template (unit, period, form, org_unit, file_path, sha256, written_at)
values (:unit, :period, :form, :org_unit, :file_path, :sha256, :written_at)
on conflict (unit, period, form, org_unit) do update
set file_path = excluded.file_path,
    sha256 = excluded.sha256,
    written_at = excluded.written_at
