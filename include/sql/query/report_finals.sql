-- a unit's period's approved finals, oldest first
select
    unit,
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
where unit = :unit
  and period = :period
order by version
