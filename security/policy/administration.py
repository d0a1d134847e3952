"""Administration and oversight: accounts, the quarantine, the audit log, the trust store,
and who logs in with a second factor."""

from __future__ import annotations

from security.actor import Principal
from security.policy.decision import Decision
from security.vocabulary import Level, Role, level_rank


def may_administer(who: Principal) -> Decision:
    """Accounts, sessions, second factors, key status, the overview of grants: administrators
    (who never read documents by their role)."""
    if who.role == Role.ADMIN:
        return Decision(True, "administrator")
    return Decision(False, "administrators only")


def may_end_sessions(who: Principal, username: str) -> Decision:
    """Ending every session of an account: an administrator, a security officer, or oneself."""
    if who.role in (Role.ADMIN, Role.SECURITY_OFFICER) or who.username == username:
        return Decision(True, f"role {who.role}" if who.username != username else "own account")
    return Decision(False, "only an administrator, a security officer or the account itself")


def may_decide_quarantine(who: Principal) -> Decision:
    """Releasing a TUYỆT MẬT record from quarantine (and listing what waits): administrators."""
    if who.role == Role.ADMIN:
        return Decision(True, "administrator")
    return Decision(False, "only an administrator decides quarantine")


def may_read_audit(who: Principal) -> Decision:
    """The inspection committee (auditors) and security officers read the log; nobody else."""
    if who.role in (Role.AUDITOR, Role.SECURITY_OFFICER):
        return Decision(True, f"role {who.role}")
    return Decision(False, f"role {who.role} does not read the audit log")


def requires_second_factor(who: Principal) -> bool:
    """Administrators, auditors and anyone cleared TỐI MẬT or above log in with a second factor."""
    if who.role in (Role.ADMIN, Role.AUDITOR):
        return True
    return level_rank(who.clearance) >= level_rank(Level.TOI_MAT)


def may_manage_trust(who: Principal) -> Decision:
    """The trust store for digital signatures (root certificates, CRLs) is the administrator's
    and the security officer's: it decides which signatures Kho calls valid."""
    if who.role in (Role.ADMIN, Role.SECURITY_OFFICER):
        return Decision(True, f"role {who.role}")
    return Decision(False, f"role {who.role} does not manage the trust store")


def needs_second_person(old: str, new: str) -> bool:
    """Raising a clearance to TỐI MẬT or above takes two people: whoever asks (an
    administrator, the operator) and a security officer who approves (``may_decide_clearance``)."""
    return level_rank(new) > level_rank(old) and level_rank(new) >= level_rank(Level.TOI_MAT)


def may_decide_clearance(who: Principal, account: str, requested_by: str, level: str) -> Decision:
    """A raise to TỐI MẬT or above is approved (or refused) by a security officer who is a
    second person (neither who asked nor the account itself) and is cleared for that level."""
    if who.role != Role.SECURITY_OFFICER:
        return Decision(False, "only a security officer decides a raise to TỐI MẬT or above")
    if who.username in (account, requested_by):
        return Decision(False, "the second person must be neither the requester nor the account")
    if level_rank(who.clearance) < level_rank(level):
        return Decision(False, "the officer is not cleared for that level")
    return Decision(True, "security officer, second person")


def may_see_clearance_requests(who: Principal) -> Decision:
    """Raises waiting for approval: the administrators who ask and the officers who decide."""
    if who.role in (Role.ADMIN, Role.SECURITY_OFFICER):
        return Decision(True, f"role {who.role}")
    return Decision(False, f"role {who.role} does not see clearance requests")


def query_hidden_by(who: Principal, result_levels: list[str]) -> int:
    """A search query recorded in the log is as telling as what it found: a reader of the log
    sees its text only when cleared for every record it returned. Returns how many of those
    records are above the reader's clearance (0: the text may be shown)."""
    return sum(1 for level in result_levels if level_rank(level) > level_rank(who.clearance))


# -- API tokens (security.identity.tokens) ---------------------------------------------------------


def may_create_token(who: Principal, owner: str, service: bool = False) -> Decision:
    """A personal token is created by its holder, for themselves; a service account's by an
    administrator (the command line, which has no principal, acts for the operator and does
    not pass here)."""
    if who.username == owner:
        return Decision(True, "own account")
    if service and who.role == Role.ADMIN:
        return Decision(True, "administrator, for a service account")
    return Decision(False, "a token is created by its holder only")


def may_hold_scopes(owner: Principal, scopes: tuple[str, ...]) -> Decision:
    """A scope the holder could not use is not given: deposit is filing (archivists), audit is
    reading the log (auditors, security officers); read is everyone's, bounded by the gate."""
    if "deposit" in scopes and owner.role != Role.ARCHIVIST:
        return Decision(False, f"role {owner.role} does not file documents (scope deposit)")
    if "audit" in scopes and not may_read_audit(owner).allowed:
        return Decision(False, f"role {owner.role} does not read the audit log (scope audit)")
    return Decision(True, f"role {owner.role}")


def may_revoke_token(who: Principal, owner: str) -> Decision:
    """Revoking: the holder, an administrator or a security officer (a leaked token)."""
    if who.username == owner:
        return Decision(True, "own token")
    if who.role in (Role.ADMIN, Role.SECURITY_OFFICER):
        return Decision(True, f"role {who.role}")
    return Decision(False, "only the holder, an administrator or a security officer")


def may_use_scope(scopes: tuple[str, ...], needed: str) -> Decision:
    """A call needs one scope of the token that makes it."""
    if needed in scopes:
        return Decision(True, f"scope {needed}")
    return Decision(False, f"token lacks scope {needed}")
