-- every (district, period) owed a data-quality check, of the periods asked for
with owed as (
    select
        district,
        period,
        min(loaded_at) as since
    from quality_pending
    group by district, period
)

select
    district,
    period,
    since
from owed
where period in :periods
order by period, district
