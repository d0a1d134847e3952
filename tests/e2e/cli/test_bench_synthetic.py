"""The benchmarks' synthetic archive (bench/synthetic.py, built straight into the database,
blobs, audit chain and index, not through the pipeline) is an archive `kho check` accepts: a
benchmark at 100k or 1M records measures a real instance, and a change elsewhere that breaks the
builder fails here rather than in the next benchmark run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.slow


def test_a_synthetic_archive_is_whole_and_followed(kho, home_env):
    if home_env.get("KHO_BLOBS", "").startswith("s3://"):
        pytest.skip("the synthetic builder writes the blob folder itself (a benchmark's shortcut)")
    home = Path(home_env["KHO_HOME"])
    url = home_env.get("KHO_DATABASE_URL")
    subprocess.run(
        [sys.executable, "bench/synthetic.py", str(home), "--records", "60"]
        + (["--database-url", url] if url else []),
        cwd=ROOT,
        env={**os.environ, **home_env},
        check=True,
        capture_output=True,
        timeout=300,
    )
    report = kho("check").output  # exits 0: nothing to repair
    assert "consistent" in report and "(lag 0)" in report, report
