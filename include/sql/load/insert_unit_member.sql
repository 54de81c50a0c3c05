-- a commune a unit consolidates, in the periods both are valid
insert into unit_member (unit, org_unit, first_period, last_period)
values (:unit, :org_unit, :first_period, :last_period)
