-- the files of one unit's desk in a period, newest first: those of its forms that cover the commune
-- (for an office, commune is '': all of its forms' files) and those sent from its desk (by id), with
-- whether an accepted file is still the current one of its slices
with covering as (
    select distinct sl.submission_id
    from submission_slice as sl
    inner join submission as s on s.id = sl.submission_id
    where s.unit = :unit
      and s.period = :period
      and (cast(:commune as text) = '' or sl.org_unit = :commune)
),

desk_files as (
    select s.*
    from submission as s
    where s.unit = :unit
      and s.period = :period
      and s.form in :forms
      and (s.id in (select submission_id from covering) or s.id in :ids)
),

current_files as (
    select distinct submission_id
    from fact
    where submission_id in (select id from desk_files)
      and is_current
)

select
    f.id,
    f.form,
    f.file_name,
    f.arrival_at,
    f.received_at,
    f.status,
    f.version,
    f.row_count,
    f.messages,
    f.feedback_path,
    f.archive_path,
    f.docs_path,
    f.uploaded_by,
    case when c.submission_id is null then 0 else 1 end as is_current
from desk_files as f
left join current_files as c on c.submission_id = f.id
order by f.arrival_at desc, f.file_name desc
