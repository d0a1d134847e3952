"""Login and logout. Credentials are checked and audited by archive.accounts."""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from archive import accounts
from archive.audit import Context
from archive.instance import Instance
from archive.models import User

bp = Blueprint("auth", __name__)
login_manager = LoginManager()


class SessionUser(UserMixin):
    """The logged-in account as the web layer holds it between requests."""

    def __init__(self, user: User) -> None:
        self.account = user

    def get_id(self) -> str:
        return str(self.account.id)


def kho() -> Instance:
    return current_app.extensions["kho"]


def current_context() -> Context:
    """Who is acting on this request, for the gate and the audit log."""
    if current_user.is_authenticated:
        return accounts.context_for(current_user.account, request.remote_addr)
    return Context(None, request.remote_addr)


class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Mật khẩu", validators=[DataRequired(), Length(max=256)])


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load(user_id: str) -> SessionUser | None:
        user = accounts.load_user(kho(), int(user_id))
        return SessionUser(user) if user else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.log_in(kho(), form.username.data, form.password.data, request.remote_addr)
        if user is not None:
            session.clear()  # a fresh session at login: no fixation
            login_user(SessionUser(user))
            return redirect(url_for("documents.index"))
        flash("Tên đăng nhập hoặc mật khẩu không đúng.", "error")
    return render_template("login.html", form=form), 200


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    accounts.log_out(kho(), current_context())
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
