"""Running counts of the registers' lines, so that the statistics of a year cost the same
whatever the year's size (issue 20).

Counting a year of ~83k lines in SQL on every view took 306 ms at a million records. Two small
tables hold the counts instead, kept by the database itself: triggers on ``register_entries``
(a line written, moved, re-dated, re-linked, its sender fingerprinted, deleted) and on
``documents`` (a record's type, unit, level, status, secrecy pending, filer or issuer changed,
the record inserted or deleted) take the old row's contribution off and add the new one's,
inside the statement that changed it, so in the same transaction as the change: a rolled-back
filing leaves no count behind, and a bulk ``UPDATE`` is counted like one row.

- ``register_tallies``: the lines of **active records** per year × month × register kind ×
  type × unit × level × ``pending_filer`` (0, or the filer of a record whose secrecy is
  pending: the read scope's pending rule is a condition on that column).
- ``sender_tallies``: the incoming lines of active records per year × unit × level ×
  ``pending_filer`` × sender fingerprint (the line's own, else its record's issuer's:
  ``archive.core.grouping``), with the lowest line id of each (a line to open for the name).
  A line whose fingerprint is not computed yet (NULL) is not in it; the statistics open
  those one by one, as before.

Only clear columns go in: the counts say nothing the statistics page does not show, and the
fingerprints are those already stored beside the lines. Nothing the scope could not apply is
folded in: unit, level, status and the pending rule are columns, and what the scope admits
beyond its units (records shared with the unit, or granted) is counted directly from the rows.

A count that drifted (a write with the triggers missing, damage) is found by ``drift`` (the
tables against a direct count of every line) and rebuilt by ``refill``: ``kho check`` reports
and repairs it. Migration 0026 creates the tables and triggers and fills them.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from archive.core.instance import Instance
from archive.models import RegisterTally, SenderTally

TABLES = ("register_tallies", "sender_tallies")  # derived: a backup counts them again
# The document columns a tally depends on, and the line columns.
DOCUMENT_COLUMNS = ("doc_type", "unit_id", "level", "status", "secrecy_pending", "filed_by")
LINE_COLUMNS = ("register", "year", "entry_date", "document_id", "sender_mac")
TALLY_KEY = ("year", "month", "kind", "doc_type", "unit_id", "level", "pending_filer")
SENDER_KEY = ("year", "unit_id", "level", "pending_filer", "sender")


def _month(dialect: str, column: str) -> str:
    if dialect == "sqlite":
        return f"CAST(strftime('%m', {column}) AS INTEGER)"
    return f"CAST(EXTRACT(MONTH FROM {column}) AS INTEGER)"


def _tally_select(dialect: str, e: str, d: str, source: str, sign: str = "") -> str:
    """The lines of ``source`` counted by the tally's key; ``e`` and ``d`` name the line and
    its record (a table alias, or a trigger's NEW/OLD row)."""
    key = (
        f"{e}.year, {_month(dialect, f'{e}.entry_date')}, r.kind, COALESCE({d}.doc_type, ''),"
        f" {d}.unit_id, {d}.level, CASE WHEN {d}.secrecy_pending THEN {d}.filed_by ELSE 0 END"
    )
    return f"SELECT {key}, {sign}COUNT(*) {source} AND {d}.status = 'active' GROUP BY {key}"


def _sender(e: str, d: str) -> str:
    return (
        f"CASE WHEN {e}.sender_mac IS NULL THEN NULL WHEN {e}.sender_mac <> ''"
        f" THEN {e}.sender_mac ELSE {d}.issuer_mac END"
    )


def _sender_select(e: str, d: str, source: str, adding: bool) -> str:
    key = (
        f"{e}.year, {d}.unit_id, {d}.level,"
        f" CASE WHEN {d}.secrecy_pending THEN {d}.filed_by ELSE 0 END, {_sender(e, d)}"
    )
    first = f"MIN({e}.id)" if adding else "NULL"
    return (
        f"SELECT {key}, {'' if adding else '-'}COUNT(*), {first} {source}"
        f" AND {d}.status = 'active' AND r.kind = 'incoming' AND {_sender(e, d)} IS NOT NULL"
        f" GROUP BY {key}"
    )


def _upserts(dialect: str, e: str, d: str, source: str, adding: bool) -> list[str]:
    """The two statements that add (or take off) the lines of ``source`` to the tallies."""
    return [
        f"INSERT INTO register_tallies ({', '.join(TALLY_KEY)}, n) "
        + _tally_select(dialect, e, d, source, "" if adding else "-")
        + f" ON CONFLICT ({', '.join(TALLY_KEY)})"
        " DO UPDATE SET n = register_tallies.n + excluded.n",
        f"INSERT INTO sender_tallies ({', '.join(SENDER_KEY)}, n, first_entry) "
        + _sender_select(e, d, source, adding)
        + f" ON CONFLICT ({', '.join(SENDER_KEY)}) DO UPDATE SET"
        " n = sender_tallies.n + excluded.n, first_entry = CASE"
        " WHEN excluded.first_entry IS NULL OR excluded.first_entry > sender_tallies.first_entry"
        " THEN sender_tallies.first_entry ELSE excluded.first_entry END",
    ]


# FROM clauses: a line row (NEW/OLD) with its record; a record row with its lines; everything
_OF_LINE = (
    "FROM registers r JOIN documents d ON d.id = {row}.document_id WHERE r.code = {row}.register"
)
_OF_RECORD = (
    "FROM register_entries e JOIN registers r ON r.code = e.register WHERE e.document_id = {row}.id"
)
_ALL = (
    "FROM register_entries e JOIN registers r ON r.code = e.register"
    " JOIN documents d ON d.id = e.document_id WHERE 1 = 1"
)


def _line_change(dialect: str, row: str, adding: bool) -> list[str]:
    return _upserts(dialect, row, "d", _OF_LINE.format(row=row), adding)


def _record_change(dialect: str, row: str, adding: bool) -> list[str]:
    return _upserts(dialect, "e", row, _OF_RECORD.format(row=row), adding)


# trigger name → (table, event, statements builder, columns whose change fires it)
def _triggers(dialect: str) -> dict[str, tuple[str, str, list[str], tuple[str, ...]]]:
    return {
        "tally_line_insert": (
            "register_entries",
            "INSERT",
            _line_change(dialect, "NEW", True),
            (),
        ),
        "tally_line_delete": (
            "register_entries",
            "DELETE",
            _line_change(dialect, "OLD", False),
            (),
        ),
        "tally_line_update": (
            "register_entries",
            "UPDATE",
            _line_change(dialect, "OLD", False) + _line_change(dialect, "NEW", True),
            LINE_COLUMNS,
        ),
        "tally_record_update": (
            "documents",
            "UPDATE",
            _record_change(dialect, "OLD", False) + _record_change(dialect, "NEW", True),
            (*DOCUMENT_COLUMNS, "issuer_mac"),
        ),
        "tally_record_insert": (  # lines written before their record (no foreign keys)
            "documents",
            "INSERT",
            _record_change(dialect, "NEW", True),
            (),
        ),
        "tally_record_delete": (
            "documents",
            "DELETE",
            _record_change(dialect, "OLD", False),
            (),
        ),
    }


def create_triggers_sql(dialect: str) -> list[str]:
    """The DDL that keeps the tallies (SQLite triggers; PostgreSQL trigger functions)."""
    out = []
    for name, (table, event, statements, columns) in _triggers(dialect).items():
        of = f" OF {', '.join(columns)}" if columns else ""
        body = "; ".join(statements) + ";"
        if dialect == "sqlite":
            when = ""
            if columns:
                when = " WHEN " + " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
            out.append(
                f"CREATE TRIGGER {name} AFTER {event}{of} ON {table} FOR EACH ROW{when}"
                f" BEGIN {body} END"
            )
        else:
            when = ""
            if columns:
                changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
                when = f" WHEN ({changed})"
            out.append(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
                f" BEGIN {body} RETURN NULL; END $$"
            )
            out.append(
                f"CREATE TRIGGER {name} AFTER {event}{of} ON {table} FOR EACH ROW{when}"
                f" EXECUTE FUNCTION {name}()"
            )
    return out


def drop_triggers_sql(dialect: str) -> list[str]:
    out = []
    for name, (table, *_rest) in _triggers(dialect).items():
        if dialect == "sqlite":
            out.append(f"DROP TRIGGER IF EXISTS {name}")
        else:
            out.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            out.append(f"DROP FUNCTION IF EXISTS {name}()")
    return out


def fill_sql(dialect: str) -> list[str]:
    """Count every line again into the emptied tallies (migration 0026, ``refill``)."""
    return [
        "DELETE FROM register_tallies",
        "DELETE FROM sender_tallies",
        *_upserts(dialect, "e", "d", _ALL, True),
    ]


def refill(inst: Instance) -> None:
    """Rebuild both tallies from the lines, in one transaction (``kho check --repair``)."""
    with inst.sessions.begin() as session:
        for statement in fill_sql(session.get_bind().dialect.name):
            session.execute(text(statement))


def _counted(session: Session, dialect: str) -> tuple[Counter, Counter]:
    tally = Counter()
    for *key, n in session.execute(text(_tally_select(dialect, "e", "d", _ALL))):
        tally[tuple(key)] += n
    senders = Counter()
    for *key, n, _first in session.execute(text(_sender_select("e", "d", _ALL, True))):
        senders[tuple(key)] += n
    return tally, senders


def drift(session: Session) -> int:
    """How many counts differ from a direct count of every line (0: the tallies are right)."""
    tally, senders = _counted(session, session.get_bind().dialect.name)
    stored = Counter()
    for row in session.execute(select(RegisterTally)).scalars():
        stored[tuple(getattr(row, c) for c in TALLY_KEY)] += row.n
    stored_senders = Counter()
    for row in session.execute(select(SenderTally)).scalars():
        stored_senders[tuple(getattr(row, c) for c in SENDER_KEY)] += row.n
    return _differences(tally, stored) + _differences(senders, stored_senders)


def _differences(counted: Counter, stored: Counter) -> int:
    return sum(1 for key in counted.keys() | stored.keys() if counted[key] != stored[key])
