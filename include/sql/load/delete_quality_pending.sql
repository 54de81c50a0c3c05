-- the check ran on what these loads published: they owe nothing more
delete from quality_pending
where load_id = :load_id
  and unit = :unit
  and period = :period
