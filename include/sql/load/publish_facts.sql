-- staged rows become facts; a commune already covered by a newer submission is loaded as history
with newer as (
    select
        f.org_unit,
        min(f.submission_id) as newer_submission
    from fact as f
    inner join submission as s on s.id = f.submission_id
    where f.is_current
      and f.period = :period
      and f.form = :form
      and f.org_unit in (select org_unit from fact_stage where load_id = :load_id)
      and (s.arrival_at > :arrival_at or (s.arrival_at = :arrival_at and s.file_name > :file_name))
    group by f.org_unit
)

insert into fact (
    submission_id, period, form, org_unit, indicator, category, item, attribute,
    value, source_row, is_current, superseded_by
)
select
    :submission_id,
    :period,
    :form,
    st.org_unit,
    st.indicator,
    st.category,
    st.item,
    st.attribute,
    st.value,
    st.source_row,
    n.newer_submission is null,
    n.newer_submission
from fact_stage as st
left join newer as n on n.org_unit = st.org_unit
where st.load_id = :load_id
