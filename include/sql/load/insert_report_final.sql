-- an approved final: its number and date, who approved it, and what it was built from
insert into report_final (
    unit, period, version, request_id, so_van_ban, ngay_ky, approved_by, approved_at, sources, inputs, folder
)
values (
    :unit, :period, :version, :request_id, :so_van_ban, :ngay_ky, :approved_by, :approved_at, :sources, :inputs,
    :folder
)
