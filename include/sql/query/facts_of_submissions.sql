-- every fact the given submissions brought, current or since superseded
select *
from fact
where submission_id in :ids
