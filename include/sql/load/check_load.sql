-- per submission of a load, staged rows that would break the warehouse: unknown unit or indicator, a repeated cell
with staged as (
    select
        st.submission_id,
        st.org_unit,
        st.indicator,
        st.category,
        st.item,
        s.form,
        s.period
    from fact_stage as st
    inner join submission as s on s.id = st.submission_id
    where st.load_id = :load_id
),

unknowns as (
    select
        st.submission_id,
        count(*) as staged_rows,
        sum(case when u.code is null then 1 else 0 end) as unknown_units,
        sum(case when i.code is null then 1 else 0 end) as unknown_indicators
    from staged as st
    left join org_unit as u
        on u.code = st.org_unit
        and u.level = 'commune'
        and st.period between u.first_period and u.last_period
    left join indicator as i on i.form = st.form and i.code = st.indicator
    group by st.submission_id
),

repeated_cell as (
    select submission_id
    from staged
    group by submission_id, org_unit, indicator, category, item
    having count(*) > 1
),

repeated as (
    select
        submission_id,
        count(*) as repeated_cells
    from repeated_cell
    group by submission_id
)

select
    un.submission_id,
    un.staged_rows,
    un.unknown_units,
    un.unknown_indicators,
    coalesce(r.repeated_cells, 0) as repeated_cells
from unknowns as un
left join repeated as r on r.submission_id = un.submission_id
