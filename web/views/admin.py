"""The administrator's pages: accounts, sessions, second factors, grants waiting, keys, quarantine.

Changes are POSTs with CSRF and ask for the password again (``fresh_login_required``); the
services in archive.accounts.administration check the role and audit every step; a person who
is not an administrator is refused (audited, 404) by ``requires`` before any of it runs.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length

from archive.accounts import administration, clearance
from archive.audit.actions import Action
from archive.core import faults
from archive.operations import keys as key_ops
from archive.records import quarantine
from security.errors import KhoError, NotFound, Refused
from security.policy.administration import may_administer, may_see_clearance_requests
from security.vocabulary import LEVELS, ROLES
from web.display import LEVEL_NAMES, ROLE_NAMES
from web.i18n import current_language
from web.views.auth import current_context, fresh_login_required, kho, requires

bp = Blueprint("admin", __name__, url_prefix="/admin")


class AccountForm(FlaskForm):
    role = SelectField(_l("Vai trò"), choices=[SelectChoice(r, ROLE_NAMES[r]) for r in ROLES])
    clearance = SelectField(
        _l("Mức được phép"), choices=[SelectChoice(lv, LEVEL_NAMES[lv]) for lv in LEVELS]
    )
    unit = StringField(_l("Đơn vị (mã)"), validators=[DataRequired(), Length(max=32)])
    unit_head = BooleanField(_l("Trưởng đơn vị"))
    active = BooleanField(_l("Đang hoạt động"))
    password = PasswordField(
        _l("Mật khẩu của bạn (bắt buộc khi đổi mức được phép)"), validators=[Length(max=256)]
    )


class DecisionForm(FlaskForm):
    password = PasswordField(_l("Mật khẩu của bạn"), validators=[DataRequired(), Length(max=256)])


class ActionForm(FlaskForm):
    """CSRF only, for the one-button actions."""


class ReleaseForm(FlaskForm):
    reference = StringField(
        _l("Số văn bản cho phép số hóa"), validators=[DataRequired(), Length(min=3, max=200)]
    )


@bp.context_processor
def machine_warnings() -> dict:
    """Every administrator's page warns when the disk runs low (KHO_MIN_FREE_MB)."""
    return {"space_warnings": faults.space_warnings(kho().places)}


@bp.route("")
@requires(may_administer, Action.ADMIN_READ)
def users():
    ctx = current_context()
    return render_template(
        "admin/users.html",
        users=administration.users(kho(), ctx),
        units=administration.units(kho(), ctx),
        grants=administration.grants_waiting(kho(), ctx),
    )


@bp.route("/users/<username>", methods=["GET"])
@requires(may_administer, Action.ADMIN_READ)
def account(username: str):
    person = administration.user(kho(), current_context(), username)
    form = AccountForm(data=person)
    return render_template("admin/user.html", person=person, form=form, action=ActionForm())


@bp.route("/users/<username>", methods=["POST"])
@requires(may_administer, Action.ADMIN_READ)
@fresh_login_required
def change(username: str):
    form = AccountForm()
    if form.validate_on_submit():
        try:
            diff = administration.change_user(
                kho(),
                current_context(),
                username,
                role=form.role.data,
                clearance=form.clearance.data,
                unit=form.unit.data.strip().upper(),
                unit_head=form.unit_head.data,
                active=form.active.data,
                password=form.password.data,
            )
        except NotFound:
            raise
        except KhoError as err:  # a wrong password, a change one may not make: said on the form
            flash(err.vi if current_language() == "vi" else err.en, "error")
            return redirect(url_for("admin.account", username=username))
        flash(_("Đã lưu thay đổi: %(fields)s.", fields=", ".join(diff) or "—"), "info")
        if "clearance_requested" in diff:
            flash(_("Nâng lên Tối mật trở lên chờ cán bộ bảo mật duyệt."), "info")
    else:
        flash(_("Dữ liệu không hợp lệ."), "error")
    return redirect(url_for("admin.account", username=username))


@bp.route("/users/<username>/<action>", methods=["POST"])
@requires(may_administer, Action.ADMIN_READ)
@fresh_login_required
def act(username: str, action: str):
    if action not in administration.ADMIN_ACTIONS[1:] or not ActionForm().validate_on_submit():
        abort(404)
    ctx = current_context()
    if action == "reset_password":  # shown once, on this page: never in a cookie or a log
        temporary = administration.reset_password(kho(), ctx, username)
        return render_template("admin/password_reset.html", username=username, password=temporary)
    if action == "unlock":
        administration.unlock_user(kho(), ctx, username)
        flash(_("Đã mở khóa tài khoản."), "info")
    elif action == "reset_2fa":
        administration.reset_second_factor(kho(), ctx, username)
        flash(_("Đã đặt lại xác thực hai lớp: lần đăng nhập tới sẽ đăng ký lại."), "info")
    else:
        ended = administration.end_sessions(kho(), ctx, username)
        flash(_("Đã kết thúc %(n)d phiên.", n=ended), "info")
    return redirect(url_for("admin.account", username=username))


@bp.route("/clearances")
@requires(may_see_clearance_requests, Action.ADMIN_READ)
def clearances():
    """Raises to TỐI MẬT or above waiting for a security officer."""
    waiting = clearance.waiting(kho(), current_context())
    return render_template("admin/clearances.html", waiting=waiting, form=DecisionForm())


@bp.route("/clearances/<int:request_id>/<decision>", methods=["POST"])
@requires(may_see_clearance_requests, Action.ADMIN_READ)
def decide_clearance(request_id: int, decision: str):
    """Approve or refuse, with the officer's password every time (no window after login)."""
    form = DecisionForm()
    if decision not in ("approve", "refuse") or not form.validate_on_submit():
        abort(404)
    try:
        clearance.decide(
            kho(), current_context(), request_id, decision == "approve", form.password.data
        )
    except Refused as err:
        flash(err.vi if current_language() == "vi" else err.en, "error")
    else:
        flash(_("Đã ghi quyết định."), "info")
    return redirect(url_for("admin.clearances"))


@bp.route("/keys")
@requires(may_administer, Action.ADMIN_READ)
def keys():
    return render_template("admin/keys.html", status=key_ops.status_for(kho(), current_context()))


@bp.route("/quarantine")
@requires(may_administer, Action.ADMIN_READ)
def quarantined():
    waiting = quarantine.listing(kho(), current_context())
    return render_template("admin/quarantine.html", waiting=waiting, form=ReleaseForm())


@bp.route("/quarantine/<int:doc_id>/release", methods=["POST"])
@requires(may_administer, Action.ADMIN_READ)
@fresh_login_required
def release(doc_id: int):
    form = ReleaseForm()
    if form.validate_on_submit():
        quarantine.release(kho(), current_context(), doc_id, form.reference.data)
        flash(_("Đã đưa văn bản %(id)d ra khỏi khu cách ly.", id=doc_id), "info")
    else:
        flash(_("Cần số hiệu văn bản cho phép."), "error")
    return redirect(url_for("admin.quarantined"))
