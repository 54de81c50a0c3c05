-- a validated file for a locked period: archived and kept, not published until the period is reopened
insert into held_submission (
    id, unit, period, form, file_name, file_path, sha256, size_bytes, arrival_at, received_at, archive_path,
    processed_by, row_count
)
values (
    :id, :unit, :period, :form, :file_name, :file_path, :sha256, :size_bytes, :arrival_at, :received_at,
    :archive_path, :processed_by, :row_count
)
on conflict (id) do nothing
