-- PostgreSQL: loads of one (unit, period, form) take turns; released when the transaction ends
select pg_advisory_xact_lock(hashtext(:lock_key))
