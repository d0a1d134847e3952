"""The account page's API tokens: one's own, listed with their last use, created (the secret
shown once on the page that answers the creation), revoked. archive.accounts.tokens decides;
holders whose login needs a second factor type a current code from their authenticator."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from archive.accounts import tokens
from security.errors import KhoError
from security.identity.tokens import SCOPES, parse_lifetime
from security.policy.administration import requires_second_factor
from web.i18n import current_language
from web.views.auth import current_context, fresh_login_required, kho, principal

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")
LIFETIMES = ("7d", "30d", "90d", "365d")


def _page(issued: tokens.IssuedToken | None = None, status: int = 200):
    listed = tokens.list_tokens(kho(), current_context(), current_user.account.username)
    return render_template(
        "auth/tokens.html",
        tokens=listed,
        issued=issued,
        scopes=SCOPES,
        lifetimes=LIFETIMES,
        needs_code=requires_second_factor(principal()),
    ), status


@bp.route("")
@login_required
def index():
    return _page()


@bp.route("", methods=["POST"])
@fresh_login_required
def create():
    wanted = [s for s in request.form.getlist("scope") if s in SCOPES]
    lifetime = request.form.get("expires", "90d")
    try:
        issued = tokens.create(
            kho(),
            current_context(),
            current_user.account.username,
            wanted,
            parse_lifetime(lifetime if lifetime in LIFETIMES else "90d"),
            request.form.get("code") or None,
        )
    except KhoError as exc:
        flash(exc.en if current_language() == "en" else exc.vi, "error")
        return _page(status=400)
    return _page(issued)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    tokens.revoke(kho(), current_context(), token_id)
    flash(_("Đã thu hồi mã truy cập."), "info")
    return redirect(url_for("tokens.index"))
