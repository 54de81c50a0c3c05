-- the submissions a district's report is built from: every file whose rows are current in its half-years
with sources as (
    select distinct f.submission_id
    from fact as f
    where f.org_unit in (select code from org_unit where parent_code = :district)
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
