"""What ``kho check`` knows about the store: every state a crash or damage can leave, explained.

Filing writes blobs before the row, so after a crash there can be partial writes (a ``.part``
file, an incomplete S3 multipart upload) and complete blobs no row refers to; both are safe to
delete because nothing acknowledged uses them.
A row whose blob is missing or whose ciphertext hash changed is damage, never a crash effect.
Reasons typed before migration 0015, and the reasons and warnings of ingest jobs finished before
0018, sit in clear in the database: reported, sealed on repair. Rows from before 0024 without
their sender fingerprint (``archive.core.grouping``) are reported and filled on repair.
The statistics' running counts (``archive.core.tallies``) are compared with a count of the
register lines: a difference is reported and counted again on repair.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from archive.core import grouping, jobparts, sealing, tallies
from archive.core.instance import Instance
from archive.models import IndexSnapshot, IngestJob, StoredObject

# A blob younger than this may belong to a filing still in progress: never call it an orphan.
ORPHAN_GRACE_SECONDS = 3600


@dataclass
class Report:
    leftovers: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # "document 7: original blob ab12… missing"
    corrupt: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    repaired: bool = False
    store: str = ""  # where the blobs are (a folder, s3://bucket/prefix)

    @property
    def damaged(self) -> bool:
        return bool(self.missing or self.corrupt)

    @property
    def problems(self) -> bool:
        return bool(self.leftovers or self.orphans or self.damaged or self.notes)

    def lines(self) -> list[str]:
        done = "removed" if self.repaired else "found"
        out = [f"partial blob {name} ({done}: interrupted write)" for name in self.leftovers]
        out += [
            f"orphan blob {name} ({done}: filing interrupted before commit)"
            for name in self.orphans
        ]
        out += [f"DAMAGE: {line}" for line in self.missing + self.corrupt]
        out += self.notes
        if not out:
            out.append("Kho nhất quán / everything is consistent.")
        return [f"Kho tệp / blob store: {self.store}", *out] if self.store else out


def check_store(
    inst: Instance, repair: bool = False, grace: float = ORPHAN_GRACE_SECONDS
) -> Report:
    report = Report(repaired=repair, store=inst.blobs.location)
    store = inst.blobs
    cutoff = store.clock() - grace  # the store's clock stamped the blobs
    partials = [p for p in store.partial_writes() if p.modified <= cutoff]
    report.leftovers = [p.label for p in partials]
    with inst.sessions() as session:
        objects = {o.blob: o for o in session.execute(select(StoredObject)).scalars()}
        queued = set(  # uploads waiting for the worker hold blobs too
            session.execute(select(IngestJob.blob).where(IngestJob.blob.is_not(None))).scalars()
        )
        queued |= set(session.execute(select(IndexSnapshot.blob)).scalars())  # search.snapshot
    stored = dict(store.listing())
    report.orphans = sorted(
        name
        for name, modified in stored.items()
        if name not in objects and name not in queued and modified <= cutoff
    )
    live = {name: obj for name, obj in objects.items() if obj.shredded_at is None}
    for name, obj in sorted(live.items(), key=lambda item: item[1].id):
        where = f"document {obj.document_id}: {obj.kind} blob {name}"
        if name not in stored:
            report.missing.append(f"{where} is missing")
        elif store.sha256(name) != obj.ciphertext_sha256:
            report.corrupt.append(f"{where} changed in the store (fixity hash differs)")
    with inst.sessions() as session:
        clear = sealing.clear_reasons(session)
        outcomes = jobparts.clear_outcomes(session)
        unfingerprinted = grouping.unfilled(session)
        drifted = tallies.drift(session)
    if clear:
        report.notes.append(
            f"{clear} lý do còn lưu rõ / typed reasons stored in clear (written before 0015)"
            + (" (sealed)" if repair else ": run kho check --repair")
        )
    if outcomes:
        report.notes.append(
            f"{outcomes} kết quả việc nộp còn lưu rõ lý do / ingest job outcomes with their "
            "reasons in clear (written before 0018)"
            + (" (sealed)" if repair else ": run kho check --repair")
        )
    if unfingerprinted:
        report.notes.append(
            f"{unfingerprinted} dòng sổ và hồ sơ chưa có dấu nhận dạng nơi gửi / register lines "
            "and records without their sender fingerprint (written before 0024: the statistics "
            "open them one by one)" + (" (filled)" if repair else ": run kho check --repair")
        )
    if drifted:
        report.notes.append(
            f"{drifted} số đếm thống kê sai lệch so với sổ / statistics counts that differ from "
            "a count of the register lines"
            + (" (counted again)" if repair else ": run kho check --repair")
        )
    if repair:
        if unfingerprinted:
            grouping.backfill(inst)  # the fingerprints change the counts by sender: first
        if drifted or unfingerprinted:
            tallies.refill(inst)
        if outcomes:
            jobparts.seal_clear_outcomes(inst)
        if clear:
            sealing.seal_clear_reasons(inst)
        for partial in partials:
            store.discard(partial)
        for name in report.orphans:
            store.delete(name)
    return report
