"""File names as people typed them, made safe to keep and to hand back.

An uploaded name is a claim from outside: it may carry a path (``../../etc/passwd``,
``C:\\Users\\x\\a.pdf``), control characters, bidirectional overrides that make ``gpj.exe``
read as ``exe.jpg``, zero-width characters, or thousands of characters. Kho keeps only the
last path component, in NFC, without control or format characters, with runs of white space
made one space, no leading or trailing dots or spaces, characters Windows refuses replaced,
and at most ``MAX_CHARS`` characters (the extension kept). What is left is never empty.
"""

from __future__ import annotations

import unicodedata

MAX_CHARS = 180
_DROPPED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})  # controls, bidi, unassigned
_REPLACED = frozenset('<>:"|?*')
FALLBACK = "van-ban"


def clean_filename(name: str | None) -> str:
    """The name to store and show: see the module's docstring."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(
        "_" if ch in _REPLACED else ch for ch in text if unicodedata.category(ch) not in _DROPPED
    )
    text = " ".join(text.split()).strip(" .")
    if len(text) > MAX_CHARS:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 12 and stem:
            text = stem[: MAX_CHARS - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            text = text[:MAX_CHARS].rstrip(" .")
    return text or FALLBACK
