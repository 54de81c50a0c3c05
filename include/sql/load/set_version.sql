-- a submission's version: 1 + the earlier accepted submissions of its slices
update submission
set version = :version
where id = :id
