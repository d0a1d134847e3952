"""The stamp's font subset is one shared file in a private folder, not a folder left per process."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from ingest.delivery import stamp

pytestmark = pytest.mark.skipif(
    not any(p.is_file() for p in stamp.FONT_CANDIDATES), reason="DejaVu Sans is not installed"
)

PROBE = "from ingest.delivery import stamp; print(stamp.font_path())"


def _path_in_new_process(tmp: Path) -> str:
    env = dict(os.environ, TMPDIR=str(tmp))
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_processes_share_one_font_file_and_leave_nothing_else(tmp_path: Path) -> None:
    first, second = _path_in_new_process(tmp_path), _path_in_new_process(tmp_path)
    assert first == second and Path(first).is_file()
    folder = Path(first).parent
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]
    assert list(folder.iterdir()) == [Path(first)]  # no partial file left
    assert folder.stat().st_mode & 0o777 == 0o700


def test_a_shared_folder_others_can_write_to_is_not_used(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    planted = tmp_path / f"kho-fonts-{os.getuid()}"
    planted.mkdir()
    planted.chmod(0o777)
    own = stamp._private_folder()
    assert own != planted and own.parent == tmp_path
    assert own.stat().st_mode & 0o777 == 0o700
