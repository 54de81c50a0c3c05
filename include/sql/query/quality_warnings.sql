-- a unit's period's data-quality warnings, with the commune's name; a verification counts only
-- while the values it was given for are the ones warned about (signature)
select
    w.id,
    w.rule,
    w.kind,
    w.severity,
    w.org_unit,
    coalesce(u.name, w.org_unit) as unit_name,
    w.subject,
    w.value,
    w.expected,
    w.explanation_vi,
    w.explanation_en,
    w.signature,
    w.found_at,
    case when w.verified_signature = w.signature then w.verified_by end as verified_by,
    case when w.verified_signature = w.signature then w.verified_at end as verified_at,
    case when w.verified_signature = w.signature then w.verified_comment end as verified_comment
from quality_warning as w
left join org_unit as u on u.code = w.org_unit and w.period between u.first_period and u.last_period
where w.unit = :unit
  and w.period = :period
order by w.kind, w.rule, w.org_unit, w.subject
