"""Declassification on the web (giải mật): the records whose protection ends soon, extending a
protection period with a reason, declassifying or lowering a level with a reason, on the
services of `kho declassify` (archive.lifecycle.declassify). A record's page passes the gate like
any read; lowering a level opens the record to more people and is not undone by itself, so it
asks for the password again."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from archive.audit.actions import Action
from archive.lifecycle import declassify
from archive.records import gate
from security.errors import KhoError
from security.policy.lifecycle import may_extend_protection
from security.vocabulary import LEVEL_NAMES, LEVELS, Level, level_rank
from web.params import int_arg
from web.views.auth import current_context, kho, password_confirmed, requires, say

bp = Blueprint("declassify", __name__, url_prefix="/declassify")
REASON = [DataRequired(), Length(min=10, max=500)]


def _officer(who):
    """Security officers and administrators (cleared at least MẬT) work on protection periods."""
    return may_extend_protection(who, Level.MAT)


class ExtendForm(FlaskForm):
    years = IntegerField(_l("Gia hạn thêm (năm)"), validators=[DataRequired(), NumberRange(1, 30)])
    reason = TextAreaField(_l("Lý do gia hạn"), validators=REASON)


class LevelForm(FlaskForm):
    level = SelectField(_l("Độ mật mới"), validators=[DataRequired()])
    reason = TextAreaField(_l("Lý do giải mật hoặc giảm độ mật"), validators=REASON)
    password = PasswordField(_l("Mật khẩu của bạn"), validators=[DataRequired(), Length(max=256)])


@bp.route("")
@requires(_officer, Action.DECLASSIFY_DUE)
def index():
    within = int_arg("within", 180, 0, 36500)
    ctx = current_context()
    due = declassify.due(kho(), ctx, within)
    shown = gate.admit_listed(
        kho(), ctx, [r.document_id for r in due], Action.LIST, {"page": "declassify_due"}
    )
    return render_template(
        "lifecycle/declassify.html", due=due, views={v.id: v for v in shown}, within=within
    )


def _forms(level: str) -> tuple[ExtendForm, LevelForm]:
    form = LevelForm()
    lower = [lv for lv in LEVELS if level_rank(lv) < level_rank(level)]
    form.level.choices = [(lv, LEVEL_NAMES[lv]) for lv in lower]
    return ExtendForm(), form


def _record_page(doc_id: int, extend: ExtendForm | None = None, lower: LevelForm | None = None):
    """One classified record: its description (through the gate), protection end, the forms."""
    view = gate.view_document(kho(), current_context(), doc_id)
    forms = _forms(view.level)
    return render_template(
        "lifecycle/declassify_record.html",
        doc=view,
        until=declassify.protection_of(kho(), doc_id),
        extend=extend or forms[0],
        lower=lower or forms[1],
    )


@bp.route("/<int:doc_id>")
@requires(_officer, Action.DECLASSIFY_DUE)
def record(doc_id: int):
    return _record_page(doc_id)


@bp.route("/<int:doc_id>/extend", methods=["POST"])
@requires(_officer, Action.PROTECTION_EXTEND)
def extend(doc_id: int):
    form = ExtendForm()
    if not form.validate_on_submit():
        flash(_("Ghi số năm (1 đến 30) và lý do (ít nhất 10 ký tự)."), "error")
        return _record_page(doc_id, extend=form), 400
    try:
        until = declassify.extend(
            kho(), current_context(), doc_id, form.years.data, form.reason.data
        )
    except KhoError as err:
        flash(say(err), "error")
        return _record_page(doc_id, extend=form), 400
    flash(_("Đã gia hạn bảo vệ đến %(d)s.", d=until.strftime("%d/%m/%Y")), "info")
    return redirect(url_for("declassify.record", doc_id=doc_id))


@bp.route("/<int:doc_id>/level", methods=["POST"])
@requires(_officer, Action.SECRECY_CHANGE)
def change_level(doc_id: int):
    view = gate.view_document(kho(), current_context(), doc_id)
    form = _forms(view.level)[1]
    if not form.validate_on_submit():
        flash(_("Chọn độ mật thấp hơn, ghi lý do (ít nhất 10 ký tự) và mật khẩu."), "error")
        return _record_page(doc_id, lower=form), 400
    if not password_confirmed(form.password.data):
        return _record_page(doc_id, lower=form), 400
    try:
        declassify.change_level(kho(), current_context(), doc_id, form.level.data, form.reason.data)
    except KhoError as err:
        flash(say(err), "error")
        return _record_page(doc_id, lower=form), 400
    flash(
        _("Đã đổi độ mật thành %(level)s.", level=LEVEL_NAMES[form.level.data]),
        "info",
    )
    return redirect(url_for("declassify.record", doc_id=doc_id))
