-- a load's staged rows become facts; a slice covered by a newer accepted submission is loaded as history,
-- superseded by the nearest newer one
with load_slice as (
    select
        s.id,
        s.unit,
        s.period,
        s.form,
        sl.org_unit,
        s.arrival_at,
        s.file_name
    from submission as s
    inner join submission_slice as sl on sl.submission_id = s.id
    where s.id in :ids
),

newer as (
    select
        ls.id,
        ls.org_unit,
        (
            select n.id
            from submission_slice as nsl
            inner join submission as n on n.id = nsl.submission_id
            where nsl.org_unit = ls.org_unit
              and n.unit = ls.unit
              and n.period = ls.period
              and n.form = ls.form
              and n.status = 'accepted'
              and (n.arrival_at > ls.arrival_at or (n.arrival_at = ls.arrival_at and n.file_name > ls.file_name))
            order by n.arrival_at, n.file_name
            limit 1
        ) as newer_id
    from load_slice as ls
)

insert into fact (
    submission_id, period, form, org_unit, indicator, category, item, attribute,
    value, source_row, is_current, superseded_by
)
select
    st.submission_id,
    s.period,
    s.form,
    st.org_unit,
    st.indicator,
    st.category,
    st.item,
    st.attribute,
    st.value,
    st.source_row,
    n.newer_id is null,
    n.newer_id
from fact_stage as st
inner join submission as s on s.id = st.submission_id
left join newer as n on n.id = st.submission_id and n.org_unit = st.org_unit
where st.load_id = :load_id
