-- one data-quality warning, with the unit and period it belongs to
select
    id,
    unit,
    period,
    rule,
    org_unit,
    subject,
    signature
from quality_warning
where id = :id
