"""Login (password, then the second factor where policy asks for it), logout, re-authentication.

All decisions live in archive.accounts.sessions; this module moves people between pages and keeps
one random token in the signed cookie: the server session's, or, half-way through a login, the
pending login's (kept server-side, used once, five minutes). Every failed login answers the same
page with the same message, whatever the reason. After an administrator's reset, every page but
the password change (and logout) leads to the password change.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from archive.accounts import accounts, credentials, sessions
from archive.audit.actions import Action
from archive.core import uow
from archive.models import User
from security.actor import Context, Principal
from security.errors import KhoError, NotFound
from security.identity import totp
from security.policy.decision import Decision
from web import current_instance as kho
from web.i18n import current_language

bp = Blueprint("auth", __name__)
login_manager = LoginManager()


class SessionUser(UserMixin):
    """The logged-in account as the web layer holds it during one request."""

    def __init__(self, user: User) -> None:
        self.account = user

    def get_id(self) -> str:
        return str(self.account.id)


def current_context() -> Context:
    """Who is acting on this request, for the gate and the audit log."""
    if current_user.is_authenticated:
        return accounts.context_for(current_user.account, request.remote_addr)
    return Context(None, request.remote_addr)


class LoginForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(), Length(max=256)])


class CodeForm(FlaskForm):
    code = StringField(_l("Mã xác thực (6 số)"), validators=[DataRequired(), Length(max=10)])


class ReauthForm(FlaskForm):
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(), Length(max=256)])


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired(), Length(max=256)])
    new = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(), Length(max=256)])
    repeat = PasswordField(
        _l("Nhập lại mật khẩu mới"), validators=[DataRequired(), Length(max=256)]
    )


# What a person who must change their password may still reach.
_WHILE_MUST_CHANGE = frozenset({"auth.change_password", "auth.logout", "static"})


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")

    @login_manager.user_loader
    def _load(_user_id: str) -> SessionUser | None:
        """The cookie's user id counts only while its server session is alive."""
        user = sessions.resume(kho(), session.get("sid"), request.remote_addr)
        if user is None or str(user.id) != _user_id:
            session.pop("sid", None)
            return None
        return SessionUser(user)

    @app.before_request
    def _must_change_password():
        """After an administrator's reset, the new password comes before anything else."""
        if (
            request.endpoint not in _WHILE_MUST_CHANGE
            and current_user.is_authenticated
            and current_user.account.must_change_password
        ):
            return redirect(url_for("auth.change_password"))
        return None


def _clear_session() -> None:
    """A fresh session (no fixation), keeping only the display language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _start(step: sessions.LoginStep) -> None:
    _clear_session()  # a fresh session at login: no fixation
    session["sid"] = step.token
    user = accounts.load_user(kho(), step.user_id)
    login_user(SessionUser(user))


def _failed_message() -> str:
    return _("Tên đăng nhập, mật khẩu hoặc mã không đúng (sau nhiều lần sai, máy này phải chờ).")


def _failed(form: LoginForm, target: str | None = None):
    """One answer for every failed login: the same page, message and status."""
    flash(_failed_message(), "error")
    return render_template("auth/login.html", form=form, target=target)


def safe_next(target: str | None) -> str | None:
    """A ``next=`` address only when it is a path inside Kho: "/documents/12?x=1". Never an
    absolute or scheme-relative URL ("https://x", "//x", "/\\x"), never a backslash or a
    control character (browsers read "/\\x" as "//x"), nothing longer than 2000 characters."""
    if not target or len(target) > 2000 or not target.startswith("/"):
        return None
    if (
        target.startswith("//")
        or "\\" in target
        or any(ord(c) < 0x20 or c == "\x7f" for c in target)
    ):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    target = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        step = sessions.begin(kho(), form.username.data, form.password.data, request.remote_addr)
        if step.status == "ok":
            _start(step)
            return redirect(target or url_for("documents.index"))
        if step.status in ("totp", "enroll"):
            _clear_session()
            session["pending"] = step.token
            if target:
                session["next"] = target
            return redirect(
                url_for("auth.second_factor" if step.status == "totp" else "auth.enrol")
            )
        return _failed(form, target)
    return render_template("auth/login.html", form=form, target=target)


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor():
    if sessions.pending_user(kho(), session.get("pending")) is None:
        session.pop("pending", None)
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        return _finish(form)
    return render_template("auth/second_factor.html", form=form)


def _finish(form: CodeForm, enrolled: bool = False):
    """The code step of a login or an enrolment; the pending login is used up on success."""
    step = sessions.second_factor(
        kho(), session.get("pending"), form.code.data, request.remote_addr
    )
    if step.status == "ok":
        target = session.get("next")
        _start(step)
        if enrolled:
            flash(_("Đã bật xác thực hai lớp."), "info")
        return redirect(safe_next(target) or url_for("documents.index"))
    if step.status == "expired":
        _clear_session()
        flash(_("Phiên đăng nhập đã hết hạn: hãy đăng nhập lại."), "error")
        return redirect(url_for("auth.login"))
    flash(_failed_message(), "error")
    return redirect(request.path)


@bp.route("/login/enrol", methods=["GET", "POST"])
def enrol():
    if sessions.pending_user(kho(), session.get("pending")) is None:
        session.pop("pending", None)
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        return _finish(form, enrolled=True)
    secret, uri = sessions.enrolment(kho(), session.get("pending"))
    qr = Markup(totp.qr_svg(uri))  # noqa: S704 - SVG generated by segno from our own URI
    return render_template("auth/enrol.html", form=form, secret=secret, qr=qr)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    sessions.end(kho(), current_context(), session.get("sid"))
    logout_user()
    _clear_session()
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password (current one first, the same rules as ever); every other
    session of the account ends, this one stays."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if form.new.data != form.repeat.data:
            flash(_("Hai lần nhập mật khẩu mới không khớp."), "error")
        else:
            try:
                ended = credentials.change_password(
                    kho(), current_context(), form.current.data, form.new.data, session.get("sid")
                )
            except KhoError as err:
                flash(err.vi if current_language() == "vi" else err.en, "error")
            else:
                flash(_("Đã đổi mật khẩu; đã kết thúc %(n)d phiên khác.", n=ended), "info")
                return redirect(url_for("documents.index"))
    forced = current_user.account.must_change_password
    return render_template("auth/password.html", form=form, forced=forced)


def fresh_login_required(view: Callable) -> Callable:
    """Sensitive actions ask for the password again unless it was given in the last minutes."""

    @functools.wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not sessions.recently_authenticated(kho(), session.get("sid")):
            return redirect(url_for("auth.reauthenticate", next=request.path))
        return view(*args, **kwargs)

    return wrapper


def password_confirmed(password: str | None) -> bool:
    """An irreversible step (a disposal vote or its execution, a lower secrecy level) takes the
    password on its own confirmation form, every time: checked by the re-authentication service
    (audited, backed off like a login), which also renews the session's proof."""
    if password and sessions.reauthenticate(kho(), current_context(), session["sid"], password):
        return True
    flash(_("Mật khẩu không đúng: chưa thực hiện gì."), "error")
    return False


def say(error: KhoError) -> str:
    """A service's refusal in the reader's language."""
    return error.vi if current_language() == "vi" else error.en


@bp.route("/reauth", methods=["GET", "POST"])
@login_required
def reauthenticate():
    form = ReauthForm()
    target = safe_next(request.args.get("next")) or url_for("documents.index")
    if form.validate_on_submit():
        if sessions.reauthenticate(kho(), current_context(), session["sid"], form.password.data):
            return redirect(target)
        flash(_("Mật khẩu không đúng."), "error")
    return render_template("auth/reauth.html", form=form, target=target)


@bp.route("/account/sessions/end-all", methods=["POST"])
@fresh_login_required
def end_my_sessions():
    """End every session of one's own account, this one included (a lost laptop)."""
    sessions.end_all_sessions(kho(), current_context(), current_user.account.username)
    logout_user()
    session.clear()
    flash(_("Đã đăng xuất khỏi mọi thiết bị."), "info")
    return redirect(url_for("auth.login"))


def principal() -> Principal | None:
    """The logged-in person as policy sees them (None before login)."""
    return current_context().principal


def requires(
    decide: Callable[[Principal], Decision], action: Action
) -> Callable[[Callable], Callable]:
    """The view runs only when policy allows the logged-in person (``decide``); a refusal is
    audited (``action``, denied, with the page) and answered as a page that does not exist
    (404), in this one place."""

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            ctx = current_context()
            decision = decide(ctx.principal)
            if not decision.allowed:
                missing = NotFound("Không tìm thấy trang này.", "Not found.")
                raise uow.refused(
                    kho(), ctx, action, decision.reason, missing, {"page": request.path}
                )
            return view(*args, **kwargs)

        return guarded

    return wrap
