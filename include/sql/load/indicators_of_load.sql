-- the indicators of a load's forms: a row of another indicator is refused
select
    form,
    code
from indicator
where form in :forms
