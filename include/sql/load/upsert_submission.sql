-- a re-run of the same file updates its ledger row (status, messages), never its first sighting
insert into submission (
    id, unit, period, form, file_name, file_path, sha256, size_bytes, arrival_at, received_at,
    status, version, row_count, messages, docs_path, processed_by, archive_path, uploaded_by
)
values (
    :id, :unit, :period, :form, :file_name, :file_path, :sha256, :size_bytes, :arrival_at, :received_at,
    :status, :version, :row_count, :messages, :docs_path, :processed_by, :archive_path, :uploaded_by
)
on conflict (id) do update
set status = excluded.status,
    version = excluded.version,
    row_count = excluded.row_count,
    messages = excluded.messages,
    docs_path = excluded.docs_path,
    file_path = excluded.file_path,
    processed_by = excluded.processed_by,
    archive_path = excluded.archive_path,
    uploaded_by = coalesce(excluded.uploaded_by, submission.uploaded_by)
