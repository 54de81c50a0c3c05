-- a held file published after the period was reopened
update held_submission
set released_at = :released_at,
    released_by = :released_by
where id = :id
