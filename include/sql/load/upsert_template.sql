-- a blank template written for a (district, period, form, commune): written again, its row is updated
insert into unit_template (district, period, form, org_unit, file_path, sha256, written_at)
values (:district, :period, :form, :org_unit, :file_path, :sha256, :written_at)
on conflict (district, period, form, org_unit) do update
set file_path = excluded.file_path,
    sha256 = excluded.sha256,
    written_at = excluded.written_at
