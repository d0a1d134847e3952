"""The auditors' pages: the log with filters, histories, anomalies, activity, verify, export."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, Response, abort, render_template, request
from flask_wtf import FlaskForm
from markupsafe import Markup

from archive.audit.actions import Action
from archive.oversight import inspection
from security.policy.administration import may_read_audit
from web import display
from web.charts import activity_svg, day_range
from web.params import int_arg
from web.views.auth import current_context, kho, requires

bp = Blueprint("audit", __name__, url_prefix="/audit")

# Every action and outcome can be filtered on, each shown by its name (web.display).
ACTIONS = tuple(Action)
OUTCOMES = tuple(display.OUTCOME_NAMES)


class ActionForm(FlaskForm):
    """CSRF only: verify and export are POSTs that write to the log."""


def _day(value: str | None, end: bool = False) -> datetime | None:
    try:
        day = datetime.strptime(value or "", "%Y-%m-%d")
    except ValueError:
        return None
    return day + timedelta(days=1) if end else day


def _filter() -> inspection.Filter:
    args = request.args
    return inspection.Filter(
        username=args.get("user", "").strip()[:64] or None,
        document_id=int_arg("document", 0, 1) or None,
        action=args.get("action") if args.get("action") in ACTIONS else None,
        outcome=args.get("outcome") if args.get("outcome") in OUTCOMES else None,
        since=_day(args.get("from")),
        until=_day(args.get("to"), end=True),
        before=int_arg("before", 0, 1) or None,
    )


PAGE_SIZE = 200  # entries a page of the log shows; older ones a link away (keyset on seq)


@bp.route("")
@requires(may_read_audit, Action.AUDIT_READ)
def log():
    window = inspection.page(kho(), current_context(), _filter(), PAGE_SIZE)
    return render_template(
        "audit/log.html",
        entries=window.rows,
        more=window.more,
        args=request.args,
        actions=ACTIONS,
        outcomes=OUTCOMES,
        form=ActionForm(),
    )


@bp.route("/anomalies")
@requires(may_read_audit, Action.AUDIT_READ)
def anomalies():
    found = inspection.anomalies(kho(), current_context())
    return render_template("audit/anomalies.html", found=found)


@bp.route("/activity")
@requires(may_read_audit, Action.AUDIT_READ)
def activity():
    days = int_arg("days", 30, 1, 365)
    offset = display.LOCAL.utcoffset(None)  # the office's days, not UTC's
    per_day = inspection.counts_over_time(kho(), current_context(), days, offset)
    today = datetime.now(display.LOCAL).date()
    chart = Markup(activity_svg(per_day, day_range(days, today)))  # noqa: S704 - built from numbers and escaped labels
    totals = {day: sum(c.values()) for day, c in per_day.items()}
    return render_template("audit/activity.html", chart=chart, totals=totals, days=days)


@bp.route("/verify", methods=["POST"])
@requires(may_read_audit, Action.AUDIT_READ)
def verify():
    if not ActionForm().validate_on_submit():
        abort(400)
    result = inspection.verify_chain(kho(), current_context())
    return render_template("audit/verify.html", result=result)


@bp.route("/export", methods=["POST"])
@requires(may_read_audit, Action.AUDIT_READ)
def export():
    if not ActionForm().validate_on_submit():
        abort(400)
    data, manifest = inspection.export_zip(
        kho(), current_context(), _day(request.form.get("from")), _day(request.form.get("to"), True)
    )
    name = f"kho-audit-{manifest['first_seq']}-{manifest['last_seq']}.zip"
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
