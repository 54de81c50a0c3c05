-- the slices (form, period, commune) this submission covers: current rows of older submissions stop being current
update fact
set is_current = false,
    superseded_by = :submission_id
where is_current
  and period = :period
  and form = :form
  and org_unit in (select org_unit from submission_slice where submission_id = :submission_id)
  and submission_id in (
      select id
      from submission
      where district = :district
        and period = :period
        and form = :form
        and (arrival_at < :arrival_at or (arrival_at = :arrival_at and file_name < :file_name))
  )
