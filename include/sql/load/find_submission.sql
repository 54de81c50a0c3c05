select id, status, version, received_at
from submission
where unit = :unit
  and period = :period
  and form = :form
  and file_name = :file_name
  and sha256 = :sha256
