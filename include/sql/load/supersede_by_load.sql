-- current rows of older submissions in the slices a load covers stop being current,
-- superseded by the load's nearest newer submission of that slice
with load_slice as (
    select
        s.id,
        s.period,
        s.form,
        sl.org_unit,
        s.arrival_at,
        s.file_name
    from submission as s
    inner join submission_slice as sl on sl.submission_id = s.id
    where s.id in :ids
),

displaced as (
    select
        f.submission_id,
        f.org_unit,
        f.period,
        f.form,
        (
            select ls.id
            from load_slice as ls
            where ls.period = f.period
              and ls.form = f.form
              and ls.org_unit = f.org_unit
              and (ls.arrival_at > o.arrival_at or (ls.arrival_at = o.arrival_at and ls.file_name > o.file_name))
            order by ls.arrival_at, ls.file_name
            limit 1
        ) as newer_id
    from fact as f
    inner join submission as o on o.id = f.submission_id
    where f.is_current
      and f.submission_id not in :ids
      and (f.period, f.form, f.org_unit) in (select period, form, org_unit from load_slice)
    group by f.submission_id, f.org_unit, f.period, f.form, o.arrival_at, o.file_name
)

update fact
set is_current = false,
    superseded_by = (
        select d.newer_id
        from displaced as d
        where d.submission_id = fact.submission_id
          and d.org_unit = fact.org_unit
          and d.period = fact.period
          and d.form = fact.form
    )
where is_current
  and exists (
      select 1
      from displaced as d
      where d.newer_id is not null
        and d.submission_id = fact.submission_id
        and d.org_unit = fact.org_unit
        and d.period = fact.period
        and d.form = fact.form
  )
returning superseded_by
