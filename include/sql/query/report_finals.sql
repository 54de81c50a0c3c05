-- a district's period's approved finals, oldest first
select
    district,
    period,
    version,
    request_id,
    so_van_ban,
    ngay_ky,
    approved_by,
    approved_at,
    sources,
    inputs,
    folder
from report_final
where district = :district
  and period = :period
order by version
