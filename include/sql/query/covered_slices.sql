-- which of a unit's communes each form covers in a period: slices of accepted submissions
select distinct
    s.form,
    sl.org_unit
from submission as s
inner join submission_slice as sl on sl.submission_id = s.id
where s.unit = :unit
  and s.period = :period
  and s.status = 'accepted'
  and sl.org_unit <> ''
