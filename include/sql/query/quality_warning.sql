-- one data-quality warning, with the district and period it belongs to
select
    id,
    district,
    period,
    rule,
    org_unit,
    subject,
    signature
from quality_warning
where id = :id
