-- every rejected file of a unit's period, one row per slice it covers, with the later accepted
-- file that answered that slice (answered_by is null while the rejection is outstanding).
-- A slice (form, commune) is answered by a later accepted file covering the same commune. A file whose
-- communes could not be read (org_unit '') is answered by a later accepted file of the same form with the
-- same file name (the unit re-sent it), or one covering every commune of the unit.
-- "Later" is the ledger's order: arrival (modification time in the inbox), then file name. An accepted
-- file's content sent again (submission_resend) counts as accepted at its new arrival.
with unit_communes as (
    select org_unit as code
    from unit_member
    where unit = :unit
      and :period between first_period and last_period
),

received as (
    select
        s.id,
        s.form,
        s.file_name,
        s.arrival_at,
        s.status,
        s.version,
        s.messages,
        s.processed_by,
        s.docs_path,
        s.feedback_path,
        s.archive_path,
        sl.org_unit
    from submission as s
    inner join submission_slice as sl on sl.submission_id = s.id
    where s.unit = :unit
      and s.period = :period
),

rejected as (
    select *
    from received
    where status = 'rejected'
),

resent as (
    select
        s.id,
        s.form,
        r.file_name,
        r.arrival_at,
        s.status,
        s.version,
        s.messages,
        s.processed_by,
        s.docs_path,
        s.feedback_path,
        s.archive_path,
        sl.org_unit
    from submission_resend as r
    inner join submission as s on s.id = r.submission_id
    inner join submission_slice as sl on sl.submission_id = s.id
    where s.unit = :unit
      and s.period = :period
      and s.status = 'accepted'
),

accepted as (
    select *
    from received
    where status = 'accepted'

    union all

    select *
    from resent
),

whole_form as (
    select id
    from accepted
    where org_unit in (select code from unit_communes)
    group by id
    having count(distinct org_unit) = (select count(*) from unit_communes)
),

answers as (
    select
        r.id as rejected_id,
        r.org_unit,
        a.file_name as answer_file,
        row_number() over (partition by r.id, r.org_unit order by a.arrival_at, a.file_name) as earliest
    from rejected as r
    inner join accepted as a
        on a.form = r.form
        and (a.arrival_at > r.arrival_at or (a.arrival_at = r.arrival_at and a.file_name > r.file_name))
        and (
            a.org_unit = r.org_unit
            or (r.org_unit = '' and (a.file_name = r.file_name or a.id in (select id from whole_form)))
        )
)

select
    r.id,
    r.form,
    r.file_name,
    r.arrival_at,
    r.version,
    r.messages,
    r.processed_by,
    r.docs_path,
    r.feedback_path,
    r.archive_path,
    r.org_unit,
    u.name as unit_name,
    ans.answer_file as answered_by
from rejected as r
left join answers as ans on ans.rejected_id = r.id and ans.org_unit = r.org_unit and ans.earliest = 1
left join org_unit as u on u.code = r.org_unit and :period between u.first_period and u.last_period
order by r.form, r.arrival_at desc, r.file_name, r.org_unit
