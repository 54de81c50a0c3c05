-- per (form, commune) of a district's period: the submission whose rows are current, and how many
-- earlier submissions of that slice it superseded
with slices as (
    select
        form,
        org_unit,
        submission_id,
        max(case when is_current then 1 else 0 end) as is_current
    from fact
    where period = :period
      and org_unit in (select code from org_unit where parent_code = :district)
    group by form, org_unit, submission_id
),

current_slices as (
    select
        form,
        org_unit,
        submission_id
    from slices
    where is_current = 1
),

history as (
    select
        form,
        org_unit,
        count(*) as superseded
    from slices
    where is_current = 0
    group by form, org_unit
)

select
    c.form,
    c.org_unit,
    s.id as submission_id,
    s.file_name,
    s.version,
    s.arrival_at,
    s.processed_by,
    coalesce(h.superseded, 0) as superseded
from current_slices as c
inner join submission as s on s.id = c.submission_id
left join history as h on h.form = c.form and h.org_unit = c.org_unit
order by c.form, c.org_unit
