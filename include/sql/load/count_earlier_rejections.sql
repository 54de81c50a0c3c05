select count(*) as earlier_versions
from submission
where unit = :unit
  and period = :period
  and form = :form
  and file_name = :file_name
  and (arrival_at < :arrival_at or (arrival_at = :arrival_at and sha256 < :sha256))
