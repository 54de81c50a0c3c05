-- the submissions a final is built from: every file with current figures of the unit in its period or
-- an earlier one (the comparisons and the trend chart read those)
with current_sources as (
    select distinct f.submission_id
    from fact as f
    where exists (
        select 1 from unit_member as m
        where m.unit = :unit and m.org_unit = f.org_unit
          and f.period between m.first_period and m.last_period
    )
      and f.is_current
      and f.period <= :period
)

select
    s.id,
    s.period,
    s.form,
    s.file_name,
    s.sha256,
    s.arrival_at,
    s.version,
    s.archive_path
from submission as s
inner join current_sources as cs on cs.submission_id = s.id
order by s.period, s.form, s.arrival_at, s.file_name
