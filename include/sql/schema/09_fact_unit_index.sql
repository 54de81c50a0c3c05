-- a district's facts are found through its communes (reports, totals, completeness)
create index if not exists fact_unit on fact (org_unit, period)
