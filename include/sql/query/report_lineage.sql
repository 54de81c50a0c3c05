-- the submissions a unit's report is built from: every file whose rows are current in its half-years
with sources as (
    select distinct f.submission_id
    from fact as f
    where exists (
        select 1 from unit_member as m
        where m.unit = :unit and m.org_unit = f.org_unit
          and f.period between m.first_period and m.last_period
    )
      and f.is_current
      and f.period in (:first_period, :last_period)
)

select
    s.period,
    s.form,
    s.file_name,
    s.sha256,
    s.arrival_at,
    s.version
from submission as s
inner join sources as src on src.submission_id = s.id
order by s.period, s.form, s.arrival_at, s.file_name
