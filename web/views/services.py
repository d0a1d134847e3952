"""The administrator's pages for service accounts (the systems that call the API: an e-office
server, a scanning station): create one with its role, unit and clearance, issue its tokens
(the secret shown once, on the page that answers the creation), revoke them, see their last
use. The same services and rules as ``kho user add --service`` and ``kho token``
(``archive.accounts.administration``, ``archive.accounts.tokens``), every step audited; changes
are POSTs with CSRF that ask for the password again (``fresh_login_required``).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp

from archive.accounts import administration, tokens
from archive.audit.actions import Action
from security.errors import KhoError
from security.identity.tokens import SCOPES, parse_lifetime
from security.policy.administration import may_administer
from security.vocabulary import LEVEL_NAMES, LEVELS, ROLE_NAMES, ROLES
from web.i18n import current_language
from web.views.auth import current_context, fresh_login_required, kho, requires

bp = Blueprint("services", __name__, url_prefix="/admin/services")
LIFETIMES = ("30d", "90d", "180d", "365d")


class ServiceForm(FlaskForm):
    username = StringField(
        _l("Tên tài khoản hệ thống"),
        validators=[DataRequired(), Length(min=3, max=64), Regexp(r"^[a-z0-9][a-z0-9._-]*$")],
    )
    full_name = StringField(_l("Tên hệ thống"), validators=[Length(max=200)])
    role = SelectField(_l("Vai trò"), choices=[SelectChoice(r, ROLE_NAMES[r]) for r in ROLES])
    clearance = SelectField(
        _l("Mức được phép"), choices=[SelectChoice(lv, LEVEL_NAMES[lv]) for lv in LEVELS]
    )
    unit = StringField(_l("Đơn vị (mã)"), validators=[DataRequired(), Length(max=32)])


class TokenForm(FlaskForm):
    expires = SelectField(_l("Thời hạn"), choices=LIFETIMES, default="365d")


class ActionForm(FlaskForm):
    """CSRF only (revoking)."""


def _say(error: KhoError) -> None:
    flash(error.en if current_language() == "en" else error.vi, "error")


@bp.route("")
@requires(may_administer, Action.ADMIN_READ)
def index():
    form = ServiceForm(role="archivist", clearance="thuong")
    listed = administration.service_accounts(kho(), current_context())
    return render_template("admin/services.html", services=listed, form=form)


@bp.route("", methods=["POST"])
@requires(may_administer, Action.ADMIN_READ)
@fresh_login_required
def create():
    form = ServiceForm()
    if not form.validate_on_submit():
        flash(_("Dữ liệu không hợp lệ: tên gồm chữ thường không dấu, số, . _ -."), "error")
        return redirect(url_for("services.index"))
    name = form.username.data.strip()
    try:
        done = administration.create_service_account(
            kho(),
            current_context(),
            name,
            form.role.data,
            form.clearance.data,
            form.unit.data.strip().upper(),
            form.full_name.data.strip(),
        )
    except KhoError as err:
        _say(err)
        return redirect(url_for("services.index"))
    flash(_("Đã tạo tài khoản hệ thống %(name)s: tạo mã truy cập cho nó.", name=name), "info")
    if "clearance_requested" in done:
        flash(_("Nâng lên Tối mật trở lên chờ cán bộ bảo mật duyệt."), "info")
    return redirect(url_for("services.account", username=name))


def _account_page(username: str, issued: tokens.IssuedToken | None = None, status: int = 200):
    ctx = current_context()
    found = [s for s in administration.service_accounts(kho(), ctx) if s["username"] == username]
    if not found:
        raise administration.not_found()
    return render_template(
        "admin/service.html",
        service=found[0],
        issued=issued,
        scopes=SCOPES,
        form=TokenForm(),
        action=ActionForm(),
    ), status


@bp.route("/<username>")
@requires(may_administer, Action.ADMIN_READ)
def account(username: str):
    return _account_page(username)


@bp.route("/<username>/tokens", methods=["POST"])
@requires(may_administer, Action.ADMIN_READ)
@fresh_login_required
def issue(username: str):
    form = TokenForm()
    wanted = [s for s in request.form.getlist("scope") if s in SCOPES]
    if not form.validate_on_submit() or not wanted:
        flash(_("Chọn ít nhất một phạm vi."), "error")
        return _account_page(username, status=400)
    try:
        issued = tokens.create(
            kho(), current_context(), username, tuple(wanted), parse_lifetime(form.expires.data)
        )
    except KhoError as err:
        _say(err)
        return _account_page(username, status=400)
    return _account_page(username, issued)


@bp.route("/<username>/tokens/<int:token_id>/revoke", methods=["POST"])
@requires(may_administer, Action.ADMIN_READ)
@fresh_login_required
def revoke(username: str, token_id: int):
    if ActionForm().validate_on_submit():
        tokens.revoke(kho(), current_context(), token_id)
        flash(_("Đã thu hồi mã truy cập."), "info")
    return redirect(url_for("services.account", username=username))
