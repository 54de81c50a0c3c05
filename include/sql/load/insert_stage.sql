insert into fact_stage (load_id, submission_id, org_unit, indicator, category, item, attribute, value, source_row)
values (:load_id, :submission_id, :org_unit, :indicator, :category, :item, :attribute, :value, :source_row)
