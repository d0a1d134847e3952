"""Who assigns, handles and follows up incoming documents (security/policy/workflow.py)."""

from __future__ import annotations

from security.actor import Principal
from security.policy.workflow import may_assign, may_handle, may_track


def _who(role: str, clearance: str = "mat", unit: int = 1, user: int = 10) -> Principal:
    return Principal(user, f"u{user}", role, clearance, unit)


def test_archivists_and_the_records_unit_head_assign_within_clearance():
    assert may_assign(_who("archivist"), False, "mat", 2).allowed
    assert not may_assign(_who("archivist"), False, "toi_mat", 1).allowed
    assert may_assign(_who("reader"), True, "thuong", 1).allowed
    assert not may_assign(_who("reader"), True, "thuong", 2).allowed  # another unit's head
    assert not may_assign(_who("reader"), False, "thuong", 1).allowed
    assert not may_assign(_who("auditor"), True, "thuong", 1).allowed


def test_who_handles():
    handler = _who("reader", user=5)
    assert may_handle(handler, 5, 1, 9, False).allowed
    assert not may_handle(_who("reader", user=6), 5, 1, 9, False).allowed
    assert may_handle(_who("reader", user=6), None, 1, 9, False).allowed  # the unit's member
    assert not may_handle(_who("reader", unit=2, user=6), None, 1, 9, False).allowed
    assert may_handle(_who("archivist", unit=2, user=9), 5, 1, 9, False).allowed  # assigner
    assert may_handle(_who("reader", user=7), 5, 1, 9, True).allowed  # the unit's head


def test_who_follows_up():
    assert may_track(_who("archivist"), False).allowed
    assert may_track(_who("security_officer"), False).allowed
    assert may_track(_who("reader"), True).allowed
    assert not may_track(_who("reader"), False).allowed
    assert not may_track(_who("auditor"), True).allowed
