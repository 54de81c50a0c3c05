-- accepted submissions of the same form and period that arrived earlier and cover a slice of this one
with own_slices as (
    select org_unit
    from submission_slice
    where submission_id = :submission_id
),

earlier as (
    select s.id
    from submission as s
    where s.district = :district
      and s.period = :period
      and s.form = :form
      and s.status = 'accepted'
      and s.id <> :submission_id
      and (s.arrival_at < :arrival_at or (s.arrival_at = :arrival_at and s.file_name < :file_name))
)

select count(distinct sl.submission_id) as earlier_versions
from submission_slice as sl
inner join earlier as e on e.id = sl.submission_id
where sl.org_unit in (select org_unit from own_slices)
