-- PostgreSQL: loads of one (period, form) take turns; released when the transaction ends
select pg_advisory_xact_lock(hashtext(:lock_key))
