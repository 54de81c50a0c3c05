-- per (form, commune) of a unit's period: the accepted submission that is current for the slice
-- (the latest to arrive), how many earlier accepted submissions of that slice it superseded, and when the
-- slice's first accepted file arrived (what its deadline is measured on)
with accepted_slices as (
    select
        s.form,
        sl.org_unit,
        s.id as submission_id,
        s.file_name,
        s.version,
        s.arrival_at,
        s.processed_by,
        s.archive_path,
        row_number() over (partition by s.form, sl.org_unit order by s.arrival_at desc, s.file_name desc) as recency,
        count(*) over (partition by s.form, sl.org_unit) as versions,
        min(s.arrival_at) over (partition by s.form, sl.org_unit) as first_arrival_at
    from submission as s
    inner join submission_slice as sl on sl.submission_id = s.id
    where s.unit = :unit
      and s.period = :period
      and s.status = 'accepted'
      and sl.org_unit <> ''
)

select
    form,
    org_unit,
    submission_id,
    file_name,
    version,
    arrival_at,
    processed_by,
    archive_path,
    first_arrival_at,
    versions - 1 as superseded
from accepted_slices
where recency = 1
order by form, org_unit
