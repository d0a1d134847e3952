"""Upload for archivists: files become ingest jobs; the page follows them until filed."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import Optional

from archive.audit.actions import Action
from ingest.doors import jobs
from ingest.examine import names
from security.policy.records import may_upload
from security.vocabulary import LEVEL_NAMES
from web.params import ids_arg
from web.views.auth import current_context, kho, requires

bp = Blueprint("uploads", __name__)


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("Tệp văn bản"))
    level = SelectField(
        _l("Độ mật tối thiểu (nếu là bản quét)"),
        choices=[SelectChoice("", _l("— theo văn bản —"))]
        + [SelectChoice(code, name) for code, name in LEVEL_NAMES.items()],
        validators=[Optional()],
    )


@bp.route("/upload", methods=["GET", "POST"])
@requires(may_upload, Action.UPLOAD)
def upload():
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
                names.clean_filename(storage.filename),
                declared_level=form.level.data or None,
            )
            queued.append({"job": job_id, "name": names.clean_filename(storage.filename)})
    return render_template("documents/upload.html", form=form, queued=queued)


@bp.route("/upload/status")
@requires(may_upload, Action.UPLOAD)
def status():
    """Progress of the caller's own jobs (JSON for upload.js)."""
    ids = ids_arg("ids", 200)
    return jsonify(jobs.statuses(kho(), current_context(), ids))
