"""The sealed parts of an ingest job (``ingest_jobs``): its file name, what an API depositor
declared with the file (``sealed_request``), and the free text of its outcome
(``sealed_outcome``: the reason a file was refused, which may quote a library's message about
the file's own bytes, and the warnings). The row keeps in clear only ids, codes and field
names (``result``).

Every part is sealed under its own key, derived (HKDF) from the job's data key, which is
wrapped by the KEK like a record's: STREAM's nonces start at zero for every ciphertext, so two
parts must never share a key. Jobs queued before that sealed their name under the data key
itself; those still open.

Outcomes written before migration 0018 kept their reason and warnings in clear: ``kho check``
reports them and ``kho check --repair`` seals them (``seal_clear_outcomes``).
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.core import bindings, sealing
from archive.core.instance import Instance
from archive.models import IngestJob
from security.crypto.keys import derive_key
from security.crypto.stream import IntegrityError, decrypt_bytes, encrypt_bytes

FREE_TEXT = ("reason", "warnings")  # outcome keys kept sealed


def _part_key(key: bytes, part: str) -> bytes:
    return derive_key(key, f"kho/job/{part}".encode())


def seal(key: bytes, uid: str, part: str, data: bytes) -> bytes:
    return encrypt_bytes(_part_key(key, part), data, bindings.job(uid, part))


def open_part(key: bytes, uid: str, part: str, sealed: bytes) -> bytes:
    return decrypt_bytes(_part_key(key, part), sealed, bindings.job(uid, part))


def job_key(inst: Instance, job: IngestJob) -> bytes:
    return inst.keyring.unwrap(job.kek_version, job.wrapped_key, bindings.job(job.uid, "file"))


def filename_of(key: bytes, job: IngestJob) -> str:
    try:
        return open_part(key, job.uid, "name", job.sealed_name).decode()
    except IntegrityError:  # queued before names had their own key
        return decrypt_bytes(key, job.sealed_name, bindings.job(job.uid, "name")).decode()


def outcome_values(inst: Instance, job: IngestJob, outcome: dict) -> dict:
    """The columns of a job's outcome: its free text sealed, the rest in ``result``."""
    free = {k: outcome[k] for k in FREE_TEXT if outcome.get(k)}
    clear = {k: v for k, v in outcome.items() if k not in FREE_TEXT}
    sealed = None
    if free:
        data = json.dumps(free, ensure_ascii=False).encode()
        sealed = seal(job_key(inst, job), job.uid, "outcome", data)
    return {"result": clear, "sealed_outcome": sealed}


def outcome_of(inst: Instance, job: IngestJob) -> dict:
    """A job's whole outcome, its sealed free text opened (for its submitter and the operator)."""
    result = dict(job.result or {})
    if job.sealed_outcome:
        opened = open_part(job_key(inst, job), job.uid, "outcome", job.sealed_outcome)
        result.update(json.loads(opened))
    return result


def request_of(inst: Instance, job: IngestJob) -> dict | None:
    """What an API depositor declared with a queued file (None for a web upload)."""
    if job.sealed_request is None:
        return None
    return json.loads(open_part(job_key(inst, job), job.uid, "request", job.sealed_request))


def _clear_outcome_jobs(session: Session) -> list[IngestJob]:
    jobs = session.execute(select(IngestJob).where(IngestJob.status.in_(("done", "failed"))))
    return [j for j in jobs.scalars() if any((j.result or {}).get(k) for k in FREE_TEXT)]


def clear_outcomes(session: Session) -> int:
    """For ``kho check``: jobs whose outcome's free text is still in clear (before 0018)."""
    return len(_clear_outcome_jobs(session))


def seal_clear_outcomes(inst: Instance) -> int:
    """For ``kho check --repair``: seal those outcomes (merged with any sealed part), in one
    transaction; on SQLite the file is then rebuilt so the clear text leaves the disk too."""
    with inst.sessions.begin() as session:
        jobs = _clear_outcome_jobs(session)
        for job in jobs:
            for column, value in outcome_values(inst, job, outcome_of(inst, job)).items():
                setattr(job, column, value)
    if jobs and inst.engine.dialect.name == "sqlite":
        sealing.scrub_sqlite(inst)
    return len(jobs)
