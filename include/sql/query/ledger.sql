-- the submissions ledger of one unit and period, with how many of each file's facts are still current
with fact_counts as (
    select
        submission_id,
        count(*) as facts,
        sum(case when is_current then 1 else 0 end) as current_facts
    from fact
    where submission_id in (select id from submission where unit = :unit and period = :period)
    group by submission_id
)

select
    s.id,
    s.form,
    s.file_name,
    s.sha256,
    s.arrival_at,
    s.status,
    s.version,
    s.row_count,
    s.messages,
    s.docs_path,
    s.archive_path,
    coalesce(fc.facts, 0) as facts,
    coalesce(fc.current_facts, 0) as current_facts
from submission as s
left join fact_counts as fc on fc.submission_id = s.id
where s.unit = :unit
  and s.period = :period
order by s.form, s.arrival_at, s.file_name
