-- the check ran on what these loads published: they owe nothing more
delete from quality_pending
where load_id = :load_id
  and district = :district
  and period = :period
