"""Filing suggestions for one document: rules first, then the learned model, each explained.

Rules encode the archive's policy (Hướng dẫn 35-HD/VPTW), so a certain rule outranks the model;
the model fills in where rules only say "văn bản khác" and proposes series the rules do not
know. Retention always comes from the rules table (a rule's own, else its series'), never from
the model: how long a record is kept is policy, not a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.describe.rules import RuleTable, retention_label

RULE_CONFIDENCE = 0.9
UNCERTAIN_RULE_CONFIDENCE = 0.6
FALLBACK_CONFIDENCE = 0.2
MODEL_CEILING = 0.85  # a model never outranks a certain rule: retention and series are policy


@dataclass(frozen=True)
class Suggestion:
    series: str
    series_title: str | None
    retention: object  # "vinh_vien", 70, 20, 10, 5 or "het_hieu_luc"; None if unknown
    source: str  # "rule" | "model"
    confidence: float
    reason: str  # Vietnamese, shown beside the suggestion


def suggest_filing(header: object, rules: RuleTable, model: object | None = None,
                   k: int = 3) -> list[Suggestion]:  # fmt: skip
    """Up to k suggestions, best first, without repeating a series."""
    out: list[Suggestion] = []
    for i, match in enumerate(rules.match(header, limit=k)):
        fallback = not (match.rule.doc_types or match.rule.kinds or match.rule.issuer
                        or match.rule.keywords)  # fmt: skip
        conf = (
            FALLBACK_CONFIDENCE
            if fallback
            else (UNCERTAIN_RULE_CONFIDENCE if match.rule.uncertain else RULE_CONFIDENCE)
        )
        conf = round(conf * (1.0 if i == 0 else 0.8), 3)  # later matches are alternatives
        out.append(Suggestion(match.series.code, match.series.title, match.retention, "rule",
                              conf, match.reason))  # fmt: skip
    subject = getattr(header, "subject", None)
    if model is not None and subject:
        for series, prob, why in model.suggest(subject, k=k):
            known = rules.series.get(series)
            retention = known.retention if known else None
            tail = f" → {series}" + (
                f" {known.title}; {retention_label(retention)}" if known else ""
            )
            out.append(Suggestion(series, known.title if known else None, retention, "model",
                                  round(min(prob, MODEL_CEILING), 3), why + tail))  # fmt: skip
    best: dict[str, Suggestion] = {}
    for s in out:
        if s.series not in best or s.confidence > best[s.series].confidence:
            best[s.series] = s
    return sorted(best.values(), key=lambda s: -s.confidence)[:k]
