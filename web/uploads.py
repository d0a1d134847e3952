"""Upload for archivists: files become ingest jobs; the page follows them until filed."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import Optional

from ingest import jobs
from security.vocabulary import LEVEL_NAMES
from web.auth import current_context, kho

bp = Blueprint("uploads", __name__)


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("Tệp văn bản"))
    level = SelectField(
        _l("Độ mật tối thiểu (nếu là bản quét)"),
        choices=[SelectChoice("", _l("— theo văn bản —"))]
        + [SelectChoice(code, name) for code, name in LEVEL_NAMES.items()],
        validators=[Optional()],
    )


def _archivist_only() -> None:
    if current_user.account.role != "archivist":
        abort(404)


@bp.route("/upload", methods=["GET", "POST"])
@login_required
def upload():
    _archivist_only()
    form = UploadForm()
    queued: list[dict] = []
    if form.validate_on_submit():
        for storage in request.files.getlist(form.files.name):
            if not storage.filename:
                continue
            job_id = jobs.submit(
                kho(),
                current_context(),
                storage.read(),
                storage.filename,
                declared_level=form.level.data or None,
            )
            queued.append({"job": job_id, "name": storage.filename})
    return render_template("upload.html", form=form, queued=queued)


@bp.route("/upload/status")
@login_required
def status():
    """Progress of the caller's own jobs (JSON for upload.js)."""
    _archivist_only()
    ids = [int(i) for i in request.args.get("ids", "").split(",") if i.isdigit()][:200]
    return jsonify(jobs.statuses(kho(), current_context(), ids))
