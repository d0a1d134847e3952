"""Disposal on the web (tiêu hủy): the due list, a proposal made from it, the two council votes
and the execution with its destruction record, on the services `kho dispose` uses
(archive.lifecycle.disposal), with their rules and audit entries.

Every step shows first what it will do, in numbers ("12 văn bản, 340 trang, sẽ bị hủy; không
thể hoàn tác"); a vote and the execution cannot be taken back, so their confirmation asks for
the password again (``password_confirmed``). Buttons are shown only to those policy allows; a
confirmation page asked for by anyone else is a refusal, audited and answered 404.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, TextAreaField
from wtforms.validators import DataRequired, Length

from archive.audit.actions import Action
from archive.core import uow
from archive.lifecycle import disposal, retention
from archive.records import gate
from security.errors import KhoError, NotFound
from security.policy.decision import Decision
from security.policy.lifecycle import (
    APPROVALS_NEEDED,
    may_approve_disposal,
    may_execute_disposal,
    may_manage_records,
    may_see_schedules,
)
from web.params import MAX_ID, int_arg
from web.views.auth import current_context, kho, password_confirmed, principal, requires, say

bp = Blueprint("disposal", __name__, url_prefix="/disposal")

STATUS_NAMES = {
    "proposed": _l("Chờ hội đồng duyệt"),
    "approved": _l("Đã đủ hai người duyệt, chờ tiêu hủy"),
    "executed": _l("Đã tiêu hủy"),
}
MAX_ITEMS = 5000  # one proposal; a larger list is split by the archivist


class ProposeForm(FlaskForm):
    reason = TextAreaField(
        _l("Lý do đề nghị tiêu hủy"), validators=[DataRequired(), Length(min=10, max=500)]
    )


class ConfirmForm(FlaskForm):
    password = PasswordField(_l("Mật khẩu của bạn"), validators=[DataRequired(), Length(max=256)])


@bp.app_context_processor
def _names() -> dict:
    return {"DISPOSAL_STATUS": STATUS_NAMES, "APPROVALS_NEEDED": APPROVALS_NEEDED}


def _chosen() -> list[int]:
    """The records ticked on the due list (anything that cannot be an id is left out)."""
    raw = request.form.getlist("doc")[:MAX_ITEMS]
    return sorted({int(i) for i in raw if i.isascii() and i.isdigit() and 0 < int(i) <= MAX_ID})


def _proposal(pid: int) -> disposal.Proposal:
    try:
        return disposal.proposal(kho(), pid)
    except NotFound as missing:
        ctx, page = current_context(), {"page": request.path}
        raise uow.refused(kho(), ctx, Action.NOT_FOUND, "no such proposal", missing, page) from None


def _refuse_unless(decision: Decision, action: Action, pid: int) -> None:
    """A confirmation page for a step this person may not take: audited, answered 404."""
    if not decision.allowed:
        missing = NotFound("Không tìm thấy trang này.", "Not found.")
        raise uow.refused(
            kho(), current_context(), action, decision.reason, missing, {"proposal": pid}
        )


def _may_approve(proposal: disposal.Proposal) -> Decision:
    if proposal.status != "proposed":
        return Decision(False, f"proposal {proposal.id} is {proposal.status}")
    return may_approve_disposal(principal(), proposal.proposed_by_id, proposal.approver_ids)


def _may_execute(proposal: disposal.Proposal) -> Decision:
    if proposal.status != "approved":
        return Decision(False, f"proposal {proposal.id} is {proposal.status}, not approved")
    return may_execute_disposal(principal())


@bp.route("")
@requires(may_see_schedules, Action.DISPOSE_PROPOSE)
def index():
    return render_template(
        "lifecycle/disposal_list.html",
        proposals=disposal.proposals(kho()),
        may_propose=may_manage_records(principal()).allowed,
    )


DUE_PAGE = 100  # due records a page shows, in filing order; the next ones a link away


@bp.route("/due")
@requires(may_manage_records, Action.DUE_LIST)
def due():
    """What is due for disposal in the archivist's scope, with its number and subject (one
    audited list through the gate), to pick from."""
    ctx = current_context()
    after = int_arg("after", 0)
    window = retention.due_page(kho(), ctx, after, DUE_PAGE)
    shown = gate.admit_listed(
        kho(), ctx, [d.document_id for d in window.rows], Action.LIST, {"page": "disposal_due"}
    )
    return render_template(
        "lifecycle/disposal_due.html",
        rows=window.rows,
        views={v.id: v for v in shown},
        form=ProposeForm(),
        after=after,
        more=window.more,
    )


def _propose_form() -> tuple[ProposeForm, list[int]] | None:
    form, ids = ProposeForm(), _chosen()
    if form.validate_on_submit() and ids:
        return form, ids
    flash(_("Chọn ít nhất một văn bản và ghi lý do (ít nhất 10 ký tự)."), "error")
    return None


@bp.route("/preview", methods=["POST"])
@requires(may_manage_records, Action.DISPOSE_PROPOSE)
def preview():
    """What the proposal would put before the council, checked as the proposal will be."""
    chosen = _propose_form()
    if chosen is None:
        return redirect(url_for("disposal.due"))
    form, ids = chosen
    try:
        listing = disposal.preview(kho(), current_context(), ids)
    except KhoError as err:
        flash(say(err), "error")
        return redirect(url_for("disposal.due"))
    return render_template("lifecycle/disposal_preview.html", listing=listing, form=form, ids=ids)


@bp.route("/propose", methods=["POST"])
@requires(may_manage_records, Action.DISPOSE_PROPOSE)
def propose():
    chosen = _propose_form()
    if chosen is None:
        return redirect(url_for("disposal.due"))
    form, ids = chosen
    try:
        pid = disposal.propose(kho(), current_context(), form.reason.data, ids)
    except KhoError as err:
        flash(say(err), "error")
        return redirect(url_for("disposal.due"))
    flash(
        _(
            "Đã lập đề nghị tiêu hủy số %(n)d: chờ hai thành viên hội đồng (không phải người "
            "đề nghị) duyệt.",
            n=pid,
        ),
        "info",
    )
    return redirect(url_for("disposal.show", pid=pid))


@bp.route("/<int:pid>")
@requires(may_see_schedules, Action.DISPOSE_PROPOSE)
def show(pid: int):
    proposal = _proposal(pid)
    return render_template(
        "lifecycle/disposal_show.html",
        p=proposal,
        may_approve=_may_approve(proposal).allowed,
        may_execute=_may_execute(proposal).allowed,
        destroyed=disposal.destruction_records(kho(), pid),
    )


def _confirmed_step(pid: int, step: str, action: Action, allowed: Callable, run: Callable[[], str]):
    """A step that cannot be taken back: its confirmation page (the list, the numbers, the
    password field) on GET; on POST the password, then the service, whose message is shown."""
    proposal = _proposal(pid)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("Nhập mật khẩu của bạn để xác nhận."), "error")
        elif password_confirmed(form.password.data):
            try:
                flash(run(), "info")
            except KhoError as err:
                flash(say(err), "error")
            return redirect(url_for("disposal.show", pid=pid))
    _refuse_unless(allowed(proposal), action, pid)
    return render_template("lifecycle/disposal_confirm.html", p=proposal, form=form, step=step)


@bp.route("/<int:pid>/approve", methods=["GET", "POST"])
@requires(may_see_schedules, Action.DISPOSE_APPROVE)
def approve(pid: int):
    """A council member's vote."""

    def vote() -> str:
        if disposal.approve(kho(), current_context(), pid) == "approved":
            return _("Đã ghi ý kiến duyệt. Đề nghị đã đủ hai người duyệt: có thể tiêu hủy.")
        return _("Đã ghi ý kiến duyệt. Đề nghị cần thêm một thành viên hội đồng duyệt.")

    return _confirmed_step(pid, "approve", Action.DISPOSE_APPROVE, _may_approve, vote)


@bp.route("/<int:pid>/execute", methods=["GET", "POST"])
@requires(may_see_schedules, Action.DISPOSE_EXECUTE)
def execute(pid: int):
    """The destruction, record by record (archive.lifecycle.disposal.execute)."""

    def destroy() -> str:
        ids = disposal.execute(kho(), current_context(), pid)
        return _("Đã tiêu hủy %(n)d văn bản; biên bản hủy ở dưới.", n=len(ids))

    return _confirmed_step(pid, "execute", Action.DISPOSE_EXECUTE, _may_execute, destroy)
