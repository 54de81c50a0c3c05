-- accepted submissions of the same form and period that arrived earlier and cover a commune of this load
with staged_units as (
    select distinct org_unit
    from fact_stage
    where load_id = :load_id
),

earlier as (
    select s.id
    from submission as s
    where s.district = :district
      and s.period = :period
      and s.form = :form
      and s.status = 'accepted'
      and (s.arrival_at < :arrival_at or (s.arrival_at = :arrival_at and s.file_name < :file_name))
)

select count(distinct f.submission_id) as earlier_versions
from fact as f
inner join earlier as e on e.id = f.submission_id
where f.org_unit in (select org_unit from staged_units)
