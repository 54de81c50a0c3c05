-- staged rows that would break the warehouse: unknown unit or indicator, or a repeated cell
with staged as (
    select *
    from fact_stage
    where load_id = :load_id
),

unknown_unit as (
    select count(*) as n
    from staged as st
    left join org_unit as u on u.code = st.org_unit and u.level = 'commune'
    where u.code is null
),

unknown_indicator as (
    select count(*) as n
    from staged
    where indicator not in (select code from indicator where form = :form)
),

repeated as (
    select count(*) as n
    from (
        select org_unit, indicator, category, item
        from staged
        group by org_unit, indicator, category, item
        having count(*) > 1
    ) as dup
)

select
    (select count(*) from staged) as staged_rows,
    (select n from unknown_unit) as unknown_units,
    (select n from unknown_indicator) as unknown_indicators,
    (select n from repeated) as repeated_cells
