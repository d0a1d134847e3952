"""API tokens: their form, their digest, scopes and lifetimes, and the policy around them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from security.actor import Principal
from security.errors import KhoError
from security.identity import tokens
from security.policy.administration import (
    may_create_token,
    may_hold_scopes,
    may_revoke_token,
    may_use_scope,
)


def _who(role: str, name: str = "a") -> Principal:
    return Principal(1, name, role, "mat", 1)


def test_a_token_is_random_prefixed_and_stored_only_as_its_digest():
    first, first_digest = tokens.new_token()
    second, _ = tokens.new_token()
    assert first != second and first.startswith("kho_") and len(first) > 40
    assert tokens.looks_like_token(first)
    assert first_digest == tokens.digest(first) and first not in first_digest
    assert len(first_digest) == 64
    assert not tokens.looks_like_token("Bearer nonsense")


def test_scopes_are_parsed_in_canonical_order_and_unknown_ones_refused():
    assert tokens.parse_scopes("deposit, READ") == ("read", "deposit")
    assert tokens.parse_scopes(["audit"]) == ("audit",)
    for bad in ("", "read,admin", "write"):
        with pytest.raises(KhoError) as err:
            tokens.parse_scopes(bad)
        assert "read, deposit, audit" in err.value.en


def test_lifetimes():
    assert tokens.parse_lifetime("30d") == timedelta(days=30)
    assert tokens.parse_lifetime("12h") == timedelta(hours=12)
    assert tokens.parse_lifetime("2w") == timedelta(weeks=2)
    assert tokens.parse_lifetime("7") == timedelta(days=7)
    assert tokens.parse_lifetime(None) == tokens.DEFAULT_LIFETIME
    for bad in ("0d", "forever", "30y", "400d"):
        with pytest.raises(KhoError):
            tokens.parse_lifetime(bad)


def test_a_token_is_created_by_its_holder_and_revoked_by_them_or_security():
    assert may_create_token(_who("reader", "a"), "a").allowed
    assert not may_create_token(_who("admin", "root"), "a").allowed
    assert may_revoke_token(_who("reader", "a"), "a").allowed
    assert may_revoke_token(_who("security_officer", "so"), "a").allowed
    assert may_revoke_token(_who("admin", "root"), "a").allowed
    assert not may_revoke_token(_who("archivist", "b"), "a").allowed


def test_scopes_never_exceed_the_holders_role():
    assert may_hold_scopes(_who("archivist"), ("read", "deposit")).allowed
    assert not may_hold_scopes(_who("reader"), ("read", "deposit")).allowed
    assert may_hold_scopes(_who("auditor"), ("audit",)).allowed
    assert not may_hold_scopes(_who("archivist"), ("audit",)).allowed
    assert may_hold_scopes(_who("reader"), ("read",)).allowed


def test_a_call_needs_the_scope_of_its_operation():
    assert may_use_scope(("read",), "read").allowed
    assert not may_use_scope(("read",), "deposit").allowed
    assert not may_use_scope(("deposit",), "audit").allowed
