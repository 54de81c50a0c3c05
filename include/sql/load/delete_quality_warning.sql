-- a warning the latest check no longer finds (the values changed, or the rule was removed)
delete from quality_warning
where id = :id
