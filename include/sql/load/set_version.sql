-- a submission's version: 1 + the earlier accepted submissions of its slices (known once its slices are recorded)
update submission
set version = :version
where id = :submission_id
