-- an accepted file's content sent again (it answers a rejection that arrived in between)
insert into submission_resend (
    submission_id, file_name, file_path, size_bytes, arrival_at, received_at, processed_by
)
values (:submission_id, :file_name, :file_path, :size_bytes, :arrival_at, :received_at, :processed_by)
on conflict (submission_id, arrival_at) do nothing
