"""The review queue: the first page beside the fields the classifier read, the source line of
each doubtful field, one click to confirm or correct (archive.review decides).

Records held back because their secrecy could not be read with confidence (chờ xác định độ mật)
come first, marked, with the crop of page 1's header beside the form: setting their level is
what releases them. Security officers see those records only, and set the level alone.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import Length, Optional

from archive.audit.actions import Action
from archive.records import gate, review
from ingest.delivery import preview
from ingest.describe.header import DOC_TYPE_NAMES
from security.errors import KhoError
from security.policy.records import may_review, reviews_level_only
from security.vocabulary import level_rank
from web.display import LEVEL_NAMES, URGENCY_NAMES
from web.i18n import current_language
from web.views.auth import current_context, kho, principal, requires

bp = Blueprint("review", __name__)
EDITABLE = ("number", "doc_type", "issuer", "date", "subject", "level", "urgency")
CROPPABLE = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")


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


@bp.route("/review")
@requires(may_review, Action.REVIEW_CONFIRM)
def queue():
    return render_template("review/list.html", docs=review.queue(kho(), current_context()))


def _entered(form: ReviewForm, fields: tuple[str, ...]) -> dict:
    entered = {name: getattr(form, name).data for name in fields}
    if "date" in entered:
        entered["date"] = entered["date"].isoformat() if entered["date"] else ""
    return entered


def _proposed_level(doc: gate.DocumentView) -> str:
    """What the level field starts at: while held back, the highest level read (even with
    doubt), so that confirming without a change never releases a record below it."""
    secrecy = doc.details.get("secrecy_ocr") or doc.details.get("secrecy") or {}
    suggested = secrecy.get("suggested")
    if doc.secrecy_pending and suggested and level_rank(suggested) > level_rank(doc.level):
        return suggested
    return doc.level


@bp.route("/review/<int:doc_id>", methods=["GET", "POST"])
@requires(may_review, Action.REVIEW_CONFIRM)
def check(doc_id: int):
    doc = gate.view_document(kho(), current_context(), doc_id)
    form = ReviewForm(
        data={
            "number": doc.number,
            "doc_type": doc.doc_type or "",
            "issuer": doc.issuer,
            "date": doc.date,
            "subject": doc.subject,
            "level": _proposed_level(doc),
            "urgency": doc.urgency,
        }
    )
    fields = ("level",) if reviews_level_only(principal()) else EDITABLE
    if form.validate_on_submit():
        try:
            review.confirm(
                kho(),
                current_context(),
                doc_id,
                review.corrections(doc, _entered(form, fields)),
                form.reason.data or None,
            )
        except KhoError as exc:
            flash(exc.vi if current_language() == "vi" else exc.en, "error")
        else:
            flash(_("Đã xác nhận văn bản."), "info")
            return redirect(url_for("review.queue"))
    items = {item["field"]: item for item in doc.details.get("review", [])}
    if not doc.secrecy_pending and items.get("level", {}).get("pending"):
        del items["level"]  # a person has set the level since
    secrecy = doc.details.get("secrecy_ocr") or doc.details.get("secrecy") or {}
    return render_template(
        "review/document.html",
        doc=doc,
        form=form,
        fields=fields,
        items=items,
        reasons=secrecy.get("reasons", []) if doc.secrecy_pending else [],
        suggestions=doc.details.get("suggestions", []),
        has_preview=doc.previewable,
        has_crop=doc.filename.lower().endswith(CROPPABLE),
    )


@bp.route("/review/<int:doc_id>/header.png")
@requires(may_review, Action.REVIEW_CONFIRM)
def header_image(doc_id: int):
    """Page 1's header, cropped and drawn in memory through the gate; never cached."""
    png = preview.header_png(kho(), current_context(), doc_id)
    response = Response(png, mimetype="image/png")
    response.headers["Content-Disposition"] = "inline"
    return response
