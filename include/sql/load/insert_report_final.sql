-- an approved final: its number and date, who approved it, and what it was built from
insert into report_final (
    district, period, version, request_id, so_van_ban, ngay_ky, approved_by, approved_at, sources, inputs, folder
)
values (
    :district, :period, :version, :request_id, :so_van_ban, :ngay_ky, :approved_by, :approved_at, :sources, :inputs,
    :folder
)
