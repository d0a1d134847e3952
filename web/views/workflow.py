"""Incoming documents from arrival to done, and the office's statistics: pages over
``archive.workflow`` (assign, start, finish, the office head's lists, the figures)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField, DateField, IntegerField, SelectField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from archive.audit.actions import Action
from archive.core import uow
from archive.records import gate
from archive.workflow import assignments, statistics
from ingest.describe.header import DOC_TYPE_NAMES
from security.errors import KhoError, NotFound
from security.vocabulary import LEVEL_NAMES, LEVELS
from web.charts import bars_svg, monthly_svg
from web.i18n import current_language
from web.params import MAX_ID, YEARS, int_arg
from web.views.auth import current_context, kho
from web.views.documents import attachment_header

bp = Blueprint("workflow", __name__)


def _message(exc: KhoError) -> str:
    return exc.en if current_language() == "en" else exc.vi


STATUS_NAMES = {
    "assigned": _l("Chưa xử lý"),
    "in_progress": _l("Đang xử lý"),
    "done": _l("Đã xử lý xong"),
}


@bp.app_context_processor
def _workflow_names() -> dict:
    return {"STATUS_NAMES": STATUS_NAMES}


class AssignForm(FlaskForm):
    unit = SelectField(_l("Đơn vị xử lý"), validators=[Optional()])
    handler = SelectField(_l("Người xử lý (không bắt buộc)"), validators=[Optional()])
    instruction = TextAreaField(
        _l("Ý kiến chỉ đạo"), validators=[Length(max=assignments.MAX_INSTRUCTION)]
    )
    deadline = DateField(_l("Hạn xử lý"), validators=[Optional()])
    ask_access = BooleanField(_l("Nếu người xử lý chưa được xem văn bản: gửi yêu cầu cấp quyền"))


class DoneForm(FlaskForm):
    reply = IntegerField(
        _l("Mã văn bản trả lời trong Kho (nếu có)"), validators=[Optional(), NumberRange(1, MAX_ID)]
    )


class StepForm(FlaskForm):
    """CSRF only."""


@bp.route("/documents/<int:doc_id>/assign", methods=["GET", "POST"])
@login_required
def assign(doc_id: int):
    ctx = current_context()
    doc = gate.view_document(kho(), ctx, doc_id)
    if not assignments.may_offer(kho(), ctx, doc_id):  # only for who may assign (audited 404)
        missing = NotFound("Không tìm thấy trang này.", "Not found.")
        raise uow.refused(
            kho(), ctx, Action.ASSIGN, "may not assign", missing, {"page": request.path}
        )
    units, people = assignments.choices(kho())
    form = AssignForm()
    form.unit.choices = [("", "—")] + [(code, f"{name} ({code})") for code, name in units]
    form.handler.choices = [("", "—")] + [
        (username, f"{name} · {unit}") for username, name, unit in people
    ]
    if request.method == "GET":
        form.unit.data = doc.unit
    if form.validate_on_submit():
        try:
            assignments.assign(
                kho(),
                current_context(),
                doc_id,
                unit_code=form.unit.data or None,
                handler=form.handler.data or None,
                instruction=form.instruction.data or "",
                deadline=form.deadline.data,
                ask_access=form.ask_access.data,
            )
            flash(_("Đã giao xử lý văn bản."), "info")
            return redirect(url_for("documents.show", doc_id=doc_id))
        except KhoError as exc:
            flash(_message(exc), "error")
    return render_template("workflow/assign.html", doc=doc, form=form)


@bp.route("/tasks/<int:assignment_id>/start", methods=["POST"])
@login_required
def start(assignment_id: int):
    if StepForm().validate_on_submit():
        try:
            assignments.start(kho(), current_context(), assignment_id)
            flash(_("Đã nhận xử lý."), "info")
        except KhoError as exc:
            flash(_message(exc), "error")
    return redirect(request.referrer or url_for("documents.index"))


@bp.route("/tasks/<int:assignment_id>/done", methods=["POST"])
@login_required
def done(assignment_id: int):
    form = DoneForm()
    if form.validate_on_submit():
        try:
            assignments.finish(kho(), current_context(), assignment_id, form.reply.data)
            flash(_("Đã ghi nhận xử lý xong."), "info")
        except KhoError as exc:
            flash(_message(exc), "error")
    else:
        flash(_("Mã văn bản trả lời không hợp lệ."), "error")
    return redirect(request.referrer or url_for("documents.index"))


@bp.route("/tasks")
@login_required
def tracking():
    seen = assignments.tracking(kho(), current_context())
    return render_template("workflow/tracking.html", seen=seen, now=datetime.now(UTC))


def _rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


def _year() -> int:
    return int_arg("year", date.today().year, *YEARS)


@bp.route("/statistics")
@login_required
def statistics_page():
    year = _year()
    figures = statistics.compute(kho(), current_context(), year)
    incoming, outgoing = str(_("Văn bản đến")), str(_("Văn bản đi"))
    monthly = Markup(monthly_svg(figures.months, (incoming, outgoing)))  # noqa: S704 - numbers and escaped labels
    named = [(DOC_TYPE_NAMES.get(code, code), n) for code, n in sorted(figures.by_type.items())]
    types = Markup(bars_svg(named, (incoming, outgoing)))  # noqa: S704
    levels = Markup(  # noqa: S704
        bars_svg(
            [
                (str(LEVEL_NAMES.get(k, k)), v)
                for k, v in sorted(figures.by_level.items(), key=lambda kv: _rank(kv[0]))
            ],
            (incoming, outgoing),
        )
    )
    return render_template(
        "workflow/statistics.html",
        year=year,
        figures=figures,
        monthly=monthly,
        types=types,
        levels=levels,
    )


@bp.route("/statistics/export.csv")
@login_required
def statistics_csv():
    year = _year()
    body = statistics.export_csv(kho(), current_context(), year)
    response = Response("\ufeff" + body, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = attachment_header(f"thong-ke-{year}.csv")
    return response
