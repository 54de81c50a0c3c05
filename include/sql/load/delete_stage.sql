delete from fact_stage
where load_id = :load_id
