"""Registers (sổ văn bản đến/đi), the year's file plan and dossiers: pages over the lifecycle
services (archive.lifecycle)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from archive.audit.actions import Action
from archive.core import uow
from archive.lifecycle import plan, registers, retention
from archive.records import gate
from archive.workflow import assignments
from security.errors import KhoError, NotFound
from security.policy.lifecycle import may_edit_retention_table, may_register, may_see_schedules
from security.vocabulary import LEVEL_NAMES, RETENTION_PERIODS, Level
from web.i18n import current_language
from web.params import MAX_ID, YEARS, int_arg
from web.views.auth import current_context, kho, principal, requires, say
from web.views.documents import attachment_header

bp = Blueprint("lifecycle", __name__)
REGISTERS = (("DEN", _l("Sổ văn bản đến")), ("DI", _l("Sổ văn bản đi")))


def _register_and_year() -> tuple[str, int]:
    register = request.args.get("register", "DEN").upper()
    if register not in dict(REGISTERS):
        abort(404)
    return register, int_arg("year", date.today().year, *YEARS)


class EntryForm(FlaskForm):
    entry_date = DateField(_l("Ngày"), validators=[DataRequired()], default=date.today)
    document_id = IntegerField(
        _l("Mã văn bản trong Kho (nếu có)"), validators=[Optional(), NumberRange(1, MAX_ID)]
    )
    level = SelectField(
        _l("Độ mật (văn bản chỉ có bản giấy)"),
        choices=[SelectChoice(code, name) for code, name in LEVEL_NAMES.items()],
        default=Level.THUONG,
    )
    sender = StringField(_l("Tác giả (nơi gửi)"))
    number = StringField(_l("Số, ký hiệu"))
    subject = StringField(_l("Trích yếu nội dung"))
    routed_to = StringField(_l("Đơn vị hoặc người nhận"))
    signer = StringField(_l("Người ký"))
    recipients = StringField(_l("Nơi nhận"))


REGISTER_PAGE = 200  # lines a page of a register shows; the print and the CSV have the year


@bp.route("/registers", methods=["GET", "POST"])
@login_required
def register_page():
    register, year = _register_and_year()
    kind = "incoming" if register == "DEN" else "outgoing"
    form = EntryForm()
    may_add = may_register(principal(), Level.THUONG)
    can_add = may_add.allowed
    if request.method == "POST" and not can_add:
        missing = NotFound("Không tìm thấy trang này.", "Not found.")
        raise uow.refused(
            kho(),
            current_context(),
            Action.REGISTER_ADD,
            may_add.reason,
            missing,
            {"page": request.path},
        )
    if can_add and form.validate_on_submit():
        wanted = {name for name, _title in registers.FIELDS[kind]}
        details = {k: v for k, v in form.data.items() if k in wanted and v}
        try:
            entry = registers.add_entry(
                kho(),
                current_context(),
                register,
                form.entry_date.data,
                details,
                form.document_id.data,
                level=form.level.data,
            )
            flash(_("Đã vào sổ, số %(n)d.", n=entry.number), "info")
            return redirect(url_for("lifecycle.register_page", register=register, year=year))
        except KhoError as exc:
            flash(exc.vi if current_language() == "vi" else exc.en, "error")
    after = int_arg("after", 0)
    window = registers.page(kho(), current_context(), register, year, after, REGISTER_PAGE)
    rows, columns = window.rows, registers.columns(kind)
    # the loop closed in both registers: an incoming record's reply, the record a reply answers
    links = assignments.reply_links(
        kho(), current_context(), [r.document_id for r in rows if r.document_id]
    )
    return render_template(
        "lifecycle/register.html",
        # each line's cells in the columns' order, made here: 200 lines × 12 columns is most of
        # what the page costs when the template looks every cell up
        rows=[(r.document_id, r.number, _cells(r.as_dict(), columns)) for r in rows],
        links=links,
        columns=columns,
        register=register,
        registers=REGISTERS,
        year=year,
        form=form,
        kind=kind,
        can_add=can_add,
        after=after,
        more=window.more,
    )


def _cells(line: dict, columns: list[tuple[str, str]]) -> list:
    return ["" if line.get(name) is None else line[name] for name, _title in columns]


@bp.route("/registers/export.csv")
@login_required
def register_csv():
    register, year = _register_and_year()
    body = registers.export_csv(kho(), current_context(), register, year)
    response = Response("\ufeff" + body, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = attachment_header(f"so-{register}-{year}.csv")
    return response


@bp.route("/registers/print")
@login_required
def register_print():
    register, year = _register_and_year()
    page = registers.printable(kho(), current_context(), register, year)
    response = Response(page, mimetype="text/html; charset=utf-8")
    response.headers["Content-Disposition"] = attachment_header(f"so-{register}-{year}.html")
    return response


@bp.route("/fileplan")
@login_required
def file_plan():
    year = int_arg("year", date.today().year, *YEARS)
    return render_template(
        "lifecycle/fileplan.html",
        year=year,
        dossiers=plan.file_plan(kho(), current_context(), year),
    )


@bp.route("/dossiers/<code>")
@login_required
def dossier(code: str):
    view, ids = plan.show(kho(), current_context(), code)
    docs = gate.admit_listed(kho(), current_context(), ids, "list", {"dossier": code})
    return render_template("lifecycle/dossier.html", dossier=view, docs=docs)


class RuleForm(FlaskForm):
    code = StringField(_l("Mã"), validators=[DataRequired(), Length(max=32)])
    title = StringField(_l("Nhóm tài liệu"), validators=[Optional(), Length(max=300)])
    doc_type = StringField(_l("Loại văn bản (viết tắt)"), validators=[Optional(), Length(max=16)])
    period = SelectField(_l("Thời hạn bảo quản"), choices=list(RETENTION_PERIODS))
    basis = StringField(_l("Căn cứ"), validators=[Optional(), Length(max=200)])


@bp.route("/retention", methods=["GET", "POST"])
@requires(may_see_schedules, Action.RETENTION_RULE)
def retention_table():
    """The retention table (bảng thời hạn bảo quản): seen by those who appraise and dispose,
    changed by administrators; the service refuses (audited) anyone else's change."""
    form = RuleForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("Dữ liệu không hợp lệ."), "error")
        else:
            try:
                retention.set_rule(
                    kho(),
                    current_context(),
                    form.code.data.strip(),
                    form.period.data,
                    (form.title.data or "").strip() or None,
                    (form.doc_type.data or "").strip() or None,
                    (form.basis.data or "").strip() or None,
                )
            except KhoError as err:
                flash(say(err), "error")
            else:
                flash(_("Đã lưu dòng %(code)s của bảng thời hạn.", code=form.code.data), "info")
                return redirect(url_for("lifecycle.retention_table"))
    return render_template(
        "lifecycle/retention.html",
        rules=retention.table(kho()),
        form=form,
        may_edit=may_edit_retention_table(principal()).allowed,
    )
