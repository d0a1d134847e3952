"""The decision point: clearance, unit and role over every level, as a table."""

from __future__ import annotations

import itertools

import pytest

from security.actor import Principal
from security.policy.reading import may_read, read_scope
from security.policy.records import may_file
from security.vocabulary import LEVELS, ROLES


@pytest.mark.parametrize(
    ("role", "clearance", "level", "same_unit"),
    list(itertools.product(ROLES, LEVELS, LEVELS, (True, False))),
)
def test_read_matrix(role, clearance, level, same_unit):
    who = Principal(1, "u", role, clearance, unit_id=1)
    expected = (
        role in ("archivist", "reader", "security_officer")
        and LEVELS.index(clearance) >= LEVELS.index(level)
        and same_unit
    )
    unit = 1 if same_unit else 2
    decision = may_read(who, level, unit, pending=False, filed_by=7)
    assert decision.allowed is expected
    # The query filter and the per-record decision never disagree.
    assert read_scope(who).admits(level, unit, pending=False, filed_by=7) is expected


@pytest.mark.parametrize(
    ("role", "clearance", "level"), list(itertools.product(ROLES, LEVELS, LEVELS))
)
def test_nobody_files_above_their_clearance(role, clearance, level):
    allowed = may_file(Principal(1, "u", role, clearance, 1), level).allowed
    assert allowed is (role == "archivist" and LEVELS.index(level) <= LEVELS.index(clearance))


def test_account_without_unit_reads_nothing():
    assert read_scope(Principal(1, "u", "reader", "tuyet_mat", None)).empty
