-- a load finds its own staged rows; on PostgreSQL the emptied table holds dead rows until vacuumed
create index if not exists fact_stage_load on fact_stage (load_id)
