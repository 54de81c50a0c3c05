-- every (unit, period) owed a data-quality check, of the periods asked for
with owed as (
    select
        unit,
        period,
        min(loaded_at) as since
    from quality_pending
    group by unit, period
)

select
    unit,
    period,
    since
from owed
where period in :periods
order by period, unit
