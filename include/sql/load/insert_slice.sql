-- one (form, period, unit, commune) slice a received file covers; '' when its communes could not be read
insert into submission_slice (submission_id, org_unit)
values (:submission_id, :org_unit)
on conflict (submission_id, org_unit) do nothing
