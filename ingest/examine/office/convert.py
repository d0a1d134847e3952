"""Office file → PDF with LibreOffice headless, one process per document, in the sandbox.

Each conversion gets a fresh LibreOffice profile inside the sandbox's tmpfs, preset so that no
macro ever runs (highest macro security, execution disabled) and no link is updated on loading
(Writer and Calc "update links: never"), on top of the sandbox's own guarantees (no network,
no file of the host but programs and fonts). One process per document costs a LibreOffice start
(two to four seconds) but shares nothing between documents: a hostile file cannot leave state
for the next one, and a stuck conversion is killed without touching any other.
"""

from __future__ import annotations

import functools
import shutil
import subprocess

from archive.core.limits import Limits
from ingest.examine.limits import Deadline, reason
from ingest.examine.office import sandbox
from ingest.examine.sniff import MediaType
from security.errors import Refused

INSTALL_HINT = (
    "LibreOffice is missing: run scripts/system-deps.sh (Debian packages "
    "libreoffice-writer-nogui libreoffice-calc-nogui bubblewrap)."
)
SUFFIX = {
    MediaType.DOCX: "docx",
    MediaType.DOC: "doc",
    MediaType.ODT: "odt",
    MediaType.RTF: "rtf",
    MediaType.XLS: "xls",
    MediaType.XLSX: "xlsx",
}
_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update"><prop oor:name="Link" oor:op="fuse"><value>2</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Content/Update"><prop oor:name="Link" oor:op="fuse"><value>2</value></prop></item>
</oor:items>
"""  # noqa: E501
# Runs inside the sandbox: the document from stdin into the tmpfs, the PDF back on stdout.
_SCRIPT = """set -e
umask 077
mkdir -p "$HOME/profile/user" /tmp/in /tmp/out
cat > "$HOME/profile/user/registrymodifications.xcu" <<'XCU'
{profile}XCU
cat > /tmp/in/document.{suffix}
soffice --headless --norestore --nologo --nodefault --nolockcheck --nofirststartwizard \\
  "-env:UserInstallation=file://$HOME/profile" \\
  --convert-to pdf --outdir /tmp/out /tmp/in/document.{suffix} >&2
cat /tmp/out/document.pdf
"""


@functools.cache
def version() -> str | None:
    """``LibreOffice 7.4.7.2`` when LibreOffice and the sandbox can run here, else None."""
    binary = shutil.which("soffice")
    if binary is None or not sandbox.available():
        return None
    try:
        done = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    words = done.stdout.split()
    return " ".join(words[:2]) if len(words) >= 2 else "LibreOffice"


def available() -> bool:
    return version() is not None


def to_pdf(data: bytes, kind: MediaType, limits: Limits, deadline: Deadline) -> bytes:
    """The PDF LibreOffice prints of the document, or ``Refused`` saying why there is none."""
    timeout = min(deadline.remaining(), limits.max_convert_seconds)
    if timeout <= 0:
        raise deadline.expired()
    script = _SCRIPT.format(profile=_PROFILE, suffix=SUFFIX[kind])
    try:
        done = sandbox.run(script, data, timeout, limits.max_convert_memory)
    except TimeoutError:
        raise Refused(
            f"Chuyển tệp sang PDF quá {timeout:.0f} giây nên đã dừng: hãy mở tệp bằng Word/"
            "LibreOffice, lưu thành PDF rồi nộp bản PDF.",
            f"Converting the file to PDF took longer than {timeout:.0f} s and was stopped: "
            "open it in Word or LibreOffice, save it as PDF and file the PDF.",
        ) from None
    if done.returncode != 0 or not done.stdout.startswith(b"%PDF-"):
        why = reason(RuntimeError(done.stderr.decode("utf-8", "replace").strip()[-200:]))
        raise Refused(
            "LibreOffice không chuyển được tệp sang PDF (tệp hỏng, có mật khẩu hoặc quá lớn): "
            "hãy mở bằng Word/LibreOffice, lưu lại hoặc lưu thành PDF rồi nộp lại.",
            f"LibreOffice could not convert the file to PDF (exit {done.returncode}: {why}); "
            "the file may be damaged, password-protected or too large: open it in Word or "
            "LibreOffice, save it again or as PDF, and file it again.",
        )
    return done.stdout
