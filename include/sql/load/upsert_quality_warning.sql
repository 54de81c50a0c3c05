-- a warning found by the latest check: new, or the same one again (its values may have changed; a
-- verification keeps its signature, so it lapses when they did)
insert into quality_warning (
    id, unit, period, rule, kind, severity, org_unit, subject, value, expected,
    explanation_vi, explanation_en, signature, found_at
)
values (
    :id, :unit, :period, :rule, :kind, :severity, :org_unit, :subject, :value, :expected,
    :explanation_vi, :explanation_en, :signature, :found_at
)
on conflict (id) do update
set value = excluded.value,
    expected = excluded.expected,
    explanation_vi = excluded.explanation_vi,
    explanation_en = excluded.explanation_en,
    severity = excluded.severity,
    signature = excluded.signature
