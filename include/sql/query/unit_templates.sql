-- the blank templates written for a unit's period, with the commune a commune's own form is for
select
    t.form,
    t.org_unit,
    u.name as unit_name,
    t.file_path,
    t.sha256,
    t.written_at
from unit_template as t
left join org_unit as u on u.code = t.org_unit and t.period between u.first_period and u.last_period
where t.unit = :unit
  and t.period = :period
order by t.form, t.org_unit
