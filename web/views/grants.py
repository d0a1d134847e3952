"""Need-to-know: ask for a document with a reason; approvers see and decide what waits."""

from __future__ import annotations

import contextlib

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from archive.audit.actions import Action
from archive.records import gate, grants
from security.errors import NotFound
from web.i18n import current_language
from web.params import MAX_ID, int_arg
from web.views.auth import current_context, kho

bp = Blueprint("grants", __name__, url_prefix="/access")


class RequestForm(FlaskForm):
    document = IntegerField(
        _l("Số hiệu văn bản trong Kho"), validators=[DataRequired(), NumberRange(1, MAX_ID)]
    )
    reason = TextAreaField(
        _l("Lý do cần xem (công việc được giao)"), validators=[DataRequired(), Length(max=500)]
    )


class DecideForm(FlaskForm):
    decision = StringField(validators=[DataRequired()])
    days = IntegerField(
        _l("Số ngày"), default=grants.DEFAULT_DAYS, validators=[NumberRange(1, grants.MAX_DAYS)]
    )


@bp.route("/request", methods=["GET", "POST"])
@login_required
def ask():
    form = RequestForm()
    if request.method == "GET" and request.args.get("doc"):
        form.document.data = int_arg("doc", 0, 1)
    if form.validate_on_submit():
        # A refusal is audited and answered like a request taken: nothing is said of the id.
        with contextlib.suppress(NotFound):
            grants.request(kho(), current_context(), form.document.data, form.reason.data)
        vi, en = grants.TAKEN
        flash(en if current_language() == "en" else vi, "info")
        return redirect(url_for("documents.index"))
    return render_template("access/request.html", form=form)


@bp.route("/pending")
@login_required
def pending():
    waiting = grants.pending(kho(), current_context())
    # The number and subject of each requested record the approver is cleared to read: through
    # the gate (one entry for the list); the others show only their id and level.
    ids = sorted({g["document_id"] for g in waiting})
    seen = (
        gate.admit_listed(kho(), current_context(), ids, Action.LIST, {"page": "pending"})
        if ids
        else []
    )
    described = {view.id: view for view in seen}
    return render_template(
        "access/pending.html", waiting=waiting, described=described, form=DecideForm()
    )


@bp.route("/pending/<int:grant_id>", methods=["POST"])
@login_required
def decide(grant_id: int):
    form = DecideForm()
    if form.validate_on_submit() and form.decision.data in ("approve", "refuse"):
        approve = form.decision.data == "approve"
        grants.decide(kho(), current_context(), grant_id, approve, form.days.data or 30)
        flash(_("Đã duyệt yêu cầu.") if approve else _("Đã từ chối yêu cầu."), "info")
    else:
        flash(_("Số ngày không hợp lệ."), "error")
    return redirect(url_for("grants.pending"))
