"""Where a node's index is in the change log: stored with the index, in its folder, sealed
under the index key like every index file (``security.crypto.wrapped``), so it moves, is
backed up, deleted or rebuilt together with the words it describes.

The position says: every change up to ``seq`` of the log ``log_id`` is in this index. It is
written after the index commit that applied those changes; a crash between the two leaves the
position behind the index, and the changes after it are applied again (applying a change is
idempotent: the record is read as it is now). It never runs ahead of the index.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from security.crypto.wrapped import seal, unseal

log = logging.getLogger(__name__)
FILE = "changelog.position"  # no Whoosh file pattern: Whoosh's clean-up leaves it alone


@dataclass(frozen=True)
class Position:
    seq: int
    log_id: str


def read(index_dir: Path, key: bytes) -> Position | None:
    """The index's position, or None when it has none: a new, deleted or pre-log index, or a
    position that does not open (altered, another key: damage, logged). Either way the index
    cannot say what it holds and is rebuilt (``search.follower``)."""
    try:
        sealed = (index_dir / FILE).read_bytes()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(unseal(key, sealed))
        return Position(int(data["seq"]), str(data["log_id"]))
    except Exception:  # any failure to open it means the same: position unknown
        log.warning("the index position in %s does not open: the index will be rebuilt", index_dir)
        return None


def write(index_dir: Path, key: bytes, position: Position) -> None:
    """Replace the position atomically and durably (fsync of the file and of the folder)."""
    path = index_dir / FILE
    tmp = index_dir / f"{FILE}.{secrets.token_hex(4)}.part"
    data = json.dumps({"seq": position.seq, "log_id": position.log_id}).encode()
    with open(tmp, "xb") as fh:
        fh.write(seal(key, data))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
