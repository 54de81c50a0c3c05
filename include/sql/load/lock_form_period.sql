-- PostgreSQL: loads of one (district, period, form) take turns; released when the transaction ends
select pg_advisory_xact_lock(hashtext(:lock_key))
