-- staged rows become facts; a slice already covered by a newer accepted submission is loaded as history
with newer_accepted as (
    select
        sl.org_unit,
        s.id,
        row_number() over (partition by sl.org_unit order by s.arrival_at desc, s.file_name desc) as recency
    from submission_slice as sl
    inner join submission as s on s.id = sl.submission_id
    where s.district = :district
      and s.period = :period
      and s.form = :form
      and s.status = 'accepted'
      and sl.org_unit in (select org_unit from fact_stage where load_id = :load_id)
      and (s.arrival_at > :arrival_at or (s.arrival_at = :arrival_at and s.file_name > :file_name))
),

newer as (
    select
        org_unit,
        id as newer_submission
    from newer_accepted
    where recency = 1
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
