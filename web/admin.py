"""The administrator's pages: accounts, sessions, second factors, grants waiting, keys, quarantine.

Changes are POSTs with CSRF and ask for the password again (``fresh_login_required``); the
services in archive.admin_views check the role and audit every step.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length

from archive import admin_views, quarantine
from security.vocabulary import LEVEL_NAMES, LEVELS, ROLE_NAMES, ROLES
from web.auth import current_context, fresh_login_required, kho

bp = Blueprint("admin", __name__, url_prefix="/admin")


class AccountForm(FlaskForm):
    role = SelectField(_l("Vai trò"), choices=[SelectChoice(r, ROLE_NAMES[r]) for r in ROLES])
    clearance = SelectField(
        _l("Mức được phép"), choices=[SelectChoice(lv, LEVEL_NAMES[lv]) for lv in LEVELS]
    )
    unit = StringField(_l("Đơn vị (mã)"), validators=[DataRequired(), Length(max=32)])
    unit_head = BooleanField(_l("Trưởng đơn vị"))
    active = BooleanField(_l("Đang hoạt động"))


class ActionForm(FlaskForm):
    """CSRF only, for the one-button actions."""


class ReleaseForm(FlaskForm):
    reference = StringField(
        _l("Số văn bản cho phép số hóa"), validators=[DataRequired(), Length(min=3, max=200)]
    )


def _guard() -> None:
    if not admin_views.is_admin(current_context()):
        abort(404)


@bp.route("")
@login_required
def users():
    _guard()
    ctx = current_context()
    return render_template(
        "admin_users.html",
        users=admin_views.users(kho(), ctx),
        units=admin_views.units(kho(), ctx),
        grants=admin_views.grants_waiting(kho(), ctx),
    )


@bp.route("/users/<username>", methods=["GET"])
@login_required
def account(username: str):
    _guard()
    person = admin_views.user(kho(), current_context(), username)
    form = AccountForm(data=person)
    return render_template("admin_user.html", person=person, form=form, action=ActionForm())


@bp.route("/users/<username>", methods=["POST"])
@fresh_login_required
def change(username: str):
    _guard()
    form = AccountForm()
    if form.validate_on_submit():
        diff = admin_views.change_user(
            kho(),
            current_context(),
            username,
            role=form.role.data,
            clearance=form.clearance.data,
            unit=form.unit.data.strip().upper(),
            unit_head=form.unit_head.data,
            active=form.active.data,
        )
        flash(_("Đã lưu thay đổi: %(fields)s.", fields=", ".join(diff) or "—"), "info")
    else:
        flash(_("Dữ liệu không hợp lệ."), "error")
    return redirect(url_for("admin.account", username=username))


@bp.route("/users/<username>/<action>", methods=["POST"])
@fresh_login_required
def act(username: str, action: str):
    _guard()
    if action not in admin_views.ADMIN_ACTIONS[1:] or not ActionForm().validate_on_submit():
        abort(404)
    ctx = current_context()
    if action == "unlock":
        admin_views.unlock_user(kho(), ctx, username)
        flash(_("Đã mở khóa tài khoản."), "info")
    elif action == "reset_2fa":
        admin_views.reset_second_factor(kho(), ctx, username)
        flash(_("Đã đặt lại xác thực hai lớp: lần đăng nhập tới sẽ đăng ký lại."), "info")
    else:
        ended = admin_views.end_sessions(kho(), ctx, username)
        flash(_("Đã kết thúc %(n)d phiên.", n=ended), "info")
    return redirect(url_for("admin.account", username=username))


@bp.route("/keys")
@login_required
def keys():
    _guard()
    return render_template(
        "admin_keys.html", status=admin_views.key_status(kho(), current_context())
    )


@bp.route("/quarantine")
@login_required
def quarantined():
    _guard()
    waiting = quarantine.listing(kho(), current_context())
    return render_template("admin_quarantine.html", waiting=waiting, form=ReleaseForm())


@bp.route("/quarantine/<int:doc_id>/release", methods=["POST"])
@fresh_login_required
def release(doc_id: int):
    _guard()
    form = ReleaseForm()
    if form.validate_on_submit():
        quarantine.release(kho(), current_context(), doc_id, form.reference.data)
        flash(_("Đã đưa văn bản %(id)d ra khỏi khu cách ly.", id=doc_id), "info")
    else:
        flash(_("Cần số hiệu văn bản cho phép."), "error")
    return redirect(url_for("admin.quarantined"))
