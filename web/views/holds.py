"""Legal holds on the web (phong tỏa): the holds in force, placing one on a record or a dossier,
releasing one, each with a reason; the service (archive.lifecycle.holds) decides and audits, as
for `kho hold`."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from archive.audit.actions import Action
from archive.lifecycle import holds
from security.errors import KhoError
from security.policy.lifecycle import may_hold
from web.params import MAX_ID
from web.views.auth import current_context, kho, requires, say

bp = Blueprint("holds", __name__, url_prefix="/holds")
REASON = [DataRequired(), Length(min=10, max=500)]


class PlaceForm(FlaskForm):
    document_id = IntegerField(
        _l("Mã văn bản trong Kho"), validators=[Optional(), NumberRange(1, MAX_ID)]
    )
    dossier = StringField(_l("hoặc mã hồ sơ"), validators=[Optional(), Length(max=40)])
    reason = TextAreaField(_l("Lý do phong tỏa (vụ việc, đợt thanh tra)"), validators=REASON)


class ReleaseForm(FlaskForm):
    reason = TextAreaField(_l("Lý do gỡ phong tỏa"), validators=REASON)


def _page(place: PlaceForm, release: ReleaseForm, status: int = 200):
    return render_template(
        "lifecycle/holds.html", holds=holds.active(kho()), place=place, release=release
    ), status


@bp.route("")
@requires(may_hold, Action.HOLD)
def index():
    return _page(PlaceForm(), ReleaseForm())


@bp.route("", methods=["POST"])
@requires(may_hold, Action.HOLD)
def place():
    form = PlaceForm()
    if not form.validate_on_submit():
        flash(_("Ghi mã văn bản hoặc mã hồ sơ, và lý do (ít nhất 10 ký tự)."), "error")
        return _page(form, ReleaseForm(), 400)
    try:
        hold = holds.place(
            kho(),
            current_context(),
            form.reason.data,
            form.document_id.data,
            (form.dossier.data or "").strip() or None,
        )
    except KhoError as err:
        flash(say(err), "error")
        return _page(form, ReleaseForm(), 400)
    flash(
        _("Đã phong tỏa (số %(n)d): không hủy, sửa, đổi độ mật được cho đến khi gỡ.", n=hold),
        "info",
    )
    return redirect(url_for("holds.index"))


@bp.route("/<int:hold_id>/release", methods=["POST"])
@requires(may_hold, Action.HOLD_RELEASE)
def release(hold_id: int):
    form = ReleaseForm()
    if not form.validate_on_submit():
        flash(_("Ghi lý do gỡ phong tỏa (ít nhất 10 ký tự)."), "error")
        return _page(PlaceForm(), form, 400)
    try:
        holds.release(kho(), current_context(), hold_id, form.reason.data)
    except KhoError as err:
        flash(say(err), "error")
        return _page(PlaceForm(), form, 400)
    flash(_("Đã gỡ phong tỏa số %(n)d.", n=hold_id), "info")
    return redirect(url_for("holds.index"))
