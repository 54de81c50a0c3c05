-- one predecessor -> successor edge of a reorganisation (whole or part)
insert into unit_transition (
    predecessor, predecessor_from, successor, successor_from, share, effective, legal_ref
)
values (:predecessor, :predecessor_from, :successor, :successor_from, :share, :effective, :legal_ref)
on conflict (predecessor, predecessor_from, successor, successor_from) do update
set share = excluded.share,
    effective = excluded.effective,
    legal_ref = excluded.legal_ref
