-- a load's rows become facts (SQLite; PostgreSQL copies them); a slice a newer accepted submission
-- covers is loaded as history, superseded by it
insert into fact (
    submission_id, period, form, org_unit, indicator, category, item, attribute,
    value, source_row, is_current, superseded_by
)
values (
    :submission_id, :period, :form, :org_unit, :indicator, :category, :item, :attribute,
    :value, :source_row, :is_current, :superseded_by
)
