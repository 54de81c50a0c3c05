-- the slices (form, period, commune) this load replaces: current rows of older submissions
update fact
set is_current = false,
    superseded_by = :submission_id
where is_current
  and period = :period
  and form = :form
  and org_unit in (select org_unit from fact_stage where load_id = :load_id)
  and submission_id in (
      select id
      from submission
      where district = :district
        and period = :period
        and form = :form
        and (arrival_at < :arrival_at or (arrival_at = :arrival_at and file_name < :file_name))
  )
