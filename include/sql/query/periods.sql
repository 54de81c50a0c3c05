select distinct period
from submission
order by period desc
