-- each submission of a load: version 1 + the earlier accepted submissions of its form and period covering one of its slices
update submission
set version = 1 + (
    select count(distinct e.id)
    from submission_slice as own
    inner join submission_slice as sl on sl.org_unit = own.org_unit
    inner join submission as e on e.id = sl.submission_id
    where own.submission_id = submission.id
      and e.unit = submission.unit
      and e.period = submission.period
      and e.form = submission.form
      and e.status = 'accepted'
      and e.id <> submission.id
      and (e.arrival_at < submission.arrival_at or (e.arrival_at = submission.arrival_at and e.file_name < submission.file_name))
)
where id in :ids
returning id, version
