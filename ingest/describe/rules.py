"""The filing rules table: (type, issuer, subject keywords) -> file-plan series and retention.

The table is data (``filing_rules.json`` shipped here; an administrator edits a copy in the
instance folder and passes its path), validated on load so a typo fails loudly at start-up and
not silently at filing time. **First match wins**: rules are tried in file order, so specific
rules go first; later matches are offered as alternatives. Order is easier for an archivist to
reason about than a specificity score. Every match explains itself in Vietnamese.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ingest.describe.text import fold

DEFAULT_PATH = Path(__file__).with_name("filing_rules.json")
RETENTIONS: dict[object, str] = {
    "vinh_vien": "Vĩnh viễn",
    70: "70 năm",
    20: "20 năm",
    10: "10 năm",
    5: "5 năm",
    "het_hieu_luc": "Đến khi hết hiệu lực",
}
_RULE_KEYS = {"id", "doc_types", "kind", "issuer", "keywords", "series", "retention", "uncertain",
              "note"}  # fmt: skip


class RulesError(ValueError):
    """The rules file is malformed; the message names the rule and the problem."""


@dataclass(frozen=True)
class Series:
    code: str
    title: str
    retention: object  # a key of RETENTIONS


@dataclass(frozen=True)
class Rule:
    id: str
    series: str
    doc_types: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    issuer: tuple[str, ...] = ()  # folded substrings of the issuer's name, any may match
    keywords: tuple[str, ...] = ()  # folded phrases of the subject, any may match (whole words)
    retention: object | None = None  # overrides the series' retention
    uncertain: bool = False
    note: str | None = None


@dataclass(frozen=True)
class RuleMatch:
    rule: Rule
    series: Series
    retention: object
    reason: str


def retention_label(value: object) -> str:
    return RETENTIONS.get(value, str(value))


def _phrase(text: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(fold(text))}\b")


class RuleTable:
    """A validated rules table; ``match(header)`` lists the matching rules in order."""

    def __init__(self, series: dict[str, Series], rules: list[Rule]) -> None:
        self.series, self.rules = series, rules
        self._keywords = {r.id: [(k, _phrase(k)) for k in r.keywords] for r in rules}

    def match(self, header: object, limit: int = 3) -> list[RuleMatch]:
        """Rules matching the header (attributes doc_type, kind, issuer, subject), first first."""
        doc_type = getattr(header, "doc_type", None)
        kind = getattr(header, "kind", None)
        issuer = fold(getattr(header, "issuer", None) or "")
        subject = fold(getattr(header, "subject", None) or "")
        found: list[RuleMatch] = []
        for rule in self.rules:
            why: list[str] = []
            if rule.doc_types:
                if doc_type not in rule.doc_types:
                    continue
                why.append(f"loại {doc_type}")
            if rule.kinds:
                if kind not in rule.kinds:
                    continue
                why.append({"party": "văn bản Đảng", "state": "văn bản nhà nước"}.get(kind, kind))
            if rule.issuer:
                hit = next((s for s in rule.issuer if fold(s) in issuer), None)
                if hit is None:
                    continue
                why.append(f"của {getattr(header, 'issuer', '')}")
            if rule.keywords:
                hit = next((k for k, rx in self._keywords[rule.id] if rx.search(subject)), None)
                if hit is None:
                    continue
                why.append(f"trích yếu có “{hit}”")
            series = self.series[rule.series]
            retention = rule.retention if rule.retention is not None else series.retention
            reason = (", ".join(why) or "quy tắc mặc định") + (
                f" → {series.code} {series.title}; {retention_label(retention)}"
            )
            if rule.uncertain:
                reason += " (?) cần xác nhận"
            found.append(RuleMatch(rule, series, retention, reason))
            if len(found) >= limit:
                break
        return found


def _need(cond: bool, where: str, problem: str) -> None:
    if not cond:
        raise RulesError(f"{where}: {problem}")


def _strings(value: object, where: str, name: str) -> tuple[str, ...]:
    _need(isinstance(value, list), where, f"{name} must be a list of strings")
    _need(all(isinstance(v, str) and v.strip() for v in value), where, f"{name}: empty entry")
    return tuple(value)


def parse_rules(data: dict) -> RuleTable:
    """Validate a decoded rules document and build the table."""
    _need(isinstance(data, dict) and data.get("version") == 1, "rules", "version must be 1")
    series: dict[str, Series] = {}
    for code, spec in (data.get("series") or {}).items():
        where = f"series {code}"
        _need(isinstance(spec, dict) and isinstance(spec.get("title"), str), where, "no title")
        _need(spec.get("retention") in RETENTIONS, where, f"retention not in {list(RETENTIONS)}")
        series[code] = Series(code, spec["title"], spec["retention"])
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, spec in enumerate(data.get("rules") or []):
        where = f"rule {i + 1} ({spec.get('id', '?') if isinstance(spec, dict) else '?'})"
        _need(isinstance(spec, dict), where, "must be an object")
        _need(not set(spec) - _RULE_KEYS, where, f"unknown keys {sorted(set(spec) - _RULE_KEYS)}")
        _need(isinstance(spec.get("id"), str) and spec["id"] not in seen, where, "id missing/dup")
        _need(spec.get("series") in series, where, f"unknown series {spec.get('series')!r}")
        retention = spec.get("retention")
        _need(retention is None or retention in RETENTIONS, where, "bad retention")
        seen.add(spec["id"])
        rules.append(
            Rule(
                id=spec["id"],
                series=spec["series"],
                doc_types=frozenset(_strings(spec.get("doc_types", []), where, "doc_types")),
                kinds=frozenset(_strings(spec.get("kind", []), where, "kind")),
                issuer=_strings(spec.get("issuer", []), where, "issuer"),
                keywords=_strings(spec.get("keywords", []), where, "keywords"),
                retention=retention,
                uncertain=bool(spec.get("uncertain", False)),
                note=spec.get("note"),
            )
        )
    _need(bool(rules), "rules", "no rules")
    return RuleTable(series, rules)


def load_rules(path: str | Path | None = None) -> RuleTable:
    """Load and validate a rules file (default: the one shipped with Kho)."""
    path = Path(path) if path else DEFAULT_PATH
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RulesError(f"{path}: {exc}") from exc
    return parse_rules(data)
