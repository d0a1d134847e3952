"""The archivist's review queue: the first page beside the fields the classifier read, the
source line of each doubtful field, one click to confirm or correct (archive.review decides)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import Length, Optional

from archive import access, review
from ingest.header import DOC_TYPE_NAMES
from security.errors import KhoError
from security.policy import LEVEL_NAMES, URGENCY_NAMES
from web.auth import current_context, kho
from web.i18n import current_language

bp = Blueprint("review", __name__)
EDITABLE = ("number", "doc_type", "issuer", "date", "subject", "level", "urgency")


class ReviewForm(FlaskForm):
    number = StringField(_l("Số, ký hiệu"), validators=[Length(max=100)])
    doc_type = SelectField(
        _l("Loại văn bản"),
        choices=[SelectChoice("", "—")]
        + [SelectChoice(code, name) for code, name in sorted(DOC_TYPE_NAMES.items())],
    )
    issuer = StringField(_l("Cơ quan ban hành"), validators=[Length(max=300)])
    date = DateField(_l("Ngày ban hành"), validators=[Optional()])
    subject = TextAreaField(_l("Trích yếu"), validators=[Length(max=500)])
    level = SelectField(_l("Độ mật"), choices=[SelectChoice(c, n) for c, n in LEVEL_NAMES.items()])
    urgency = SelectField(
        _l("Độ khẩn"), choices=[SelectChoice(c, n) for c, n in URGENCY_NAMES.items()]
    )
    reason = StringField(_l("Lý do (bắt buộc khi hạ độ mật)"), validators=[Length(max=300)])


def _archivist_only() -> None:
    if current_user.account.role != "archivist":
        abort(404)


@bp.route("/review")
@login_required
def queue():
    _archivist_only()
    return render_template("review_list.html", docs=review.queue(kho(), current_context()))


def _entered(form: ReviewForm) -> dict:
    entered = {name: getattr(form, name).data for name in EDITABLE}
    entered["date"] = entered["date"].isoformat() if entered["date"] else ""
    return entered


@bp.route("/review/<int:doc_id>", methods=["GET", "POST"])
@login_required
def check(doc_id: int):
    _archivist_only()
    doc = access.view_document(kho(), current_context(), doc_id)
    form = ReviewForm(
        data={
            "number": doc.number,
            "doc_type": doc.doc_type or "",
            "issuer": doc.issuer,
            "date": doc.date,
            "subject": doc.subject,
            "level": doc.level,
            "urgency": doc.urgency,
        }
    )
    if form.validate_on_submit():
        try:
            review.confirm(
                kho(),
                current_context(),
                doc_id,
                review.corrections(doc, _entered(form)),
                form.reason.data or None,
            )
        except KhoError as exc:
            flash(exc.vi if current_language() == "vi" else exc.en, "error")
        else:
            flash(_("Đã xác nhận văn bản."), "info")
            return redirect(url_for("review.queue"))
    items = {item["field"]: item for item in doc.details.get("review", [])}
    return render_template(
        "review_doc.html",
        doc=doc,
        form=form,
        items=items,
        suggestions=doc.details.get("suggestions", []),
        has_preview=doc.previewable,
    )
