insert into category (dimension, code, label, legal_basis)
values (:dimension, :code, :label, :legal_basis)
on conflict (dimension, code) do update
set label = excluded.label,
    legal_basis = excluded.legal_basis
