"""What an Office file reaches outside itself or runs, removed before anything opens it.

Word fetches an external template, a linked picture or a ``file:``/UNC hyperlink target when
the file opens: a beacon ("opened now, from this address") and, on a Windows network, the
reader's credentials. OLE objects, ActiveX controls and macros run code; DDE and INCLUDE fields
run commands or pull in other files; a mail-merge source holds a query and a connection. All of
them go before the file is converted (LibreOffice never sees them) and each is recorded.

OOXML (DOCX, DOTX, XLSX, Strict or transitional) and ODT are ZIP packages: the parts are edited
as text, not re-serialised, so every namespace prefix the file declares stays as it was (a
``mc:Ignorable`` list names prefixes, and a renamed prefix breaks the file). RTF is edited
group by group. Legacy DOC and XLS are compound files that cannot be rewritten safely here:
what they hold is recorded, and the sandbox's LibreOffice profile (macros never run, links
never updated, no network, no host files) is what keeps it inert; the PDF it prints is then
sanitized like every PDF.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field

from archive.core.limits import Limits
from ingest.examine.limits import Deadline, read_zip
from ingest.examine.sniff import MediaType

SOFTWARE = "kho office cleaner"


@dataclass
class Cleaned:
    data: bytes  # the file to convert (or to serve, when LibreOffice is missing)
    removed: list[str] = field(default_factory=list)

    def note(self, what: str) -> None:
        if what not in self.removed:
            self.removed.append(what)


# Part names of code and embedded objects in OOXML packages (any of word/, xl/, ppt/).
_CODE_PARTS = re.compile(
    r"(^|/)(vbaProject\.bin|vbaData\.xml|attachedToolbars\.bin)$"
    r"|(^|/)(activeX|embeddings|customUI|customUI14)/",
    re.IGNORECASE,
)
_REL = re.compile(r"<(?:\w+:)?Relationship\b[^>]*?/?>", re.DOTALL)
_ATTR = re.compile(r'\b(Id|Type|Target|TargetMode)\s*=\s*"([^"]*)"')
_WEB_TARGET = re.compile(r"^\s*(https?:|mailto:)", re.IGNORECASE)
# External relationship types that are fetched on opening rather than clicked.
_FETCHED = re.compile(
    r"/(attachedTemplate|image|oleObject|frame|subDocument|externalLinkPath|dataSource|"
    r"mailMergeSource|package|control|aFChunk|externalLink|recipientData|mailMergeHeaderSource)$",
    re.IGNORECASE,
)
# Field codes that run commands or fetch files.
_FIELD_CODE = re.compile(
    r"^\s*(DDE|DDEAUTO|INCLUDETEXT|INCLUDEPICTURE|INCLUDE|IMPORT|LINK|MACROBUTTON|"
    r"AUTOTEXTLIST|DATABASE|HYPERLINK\s+\"?(file:|\\\\))",
    re.IGNORECASE,
)
_FLD_TOKEN = re.compile(
    r'<(\w+:)?fldChar\b[^>]*?fldCharType="(begin|separate|end)"[^>]*>'
    r"|<(\w+:)?instrText\b[^>]*>([^<]*)</(\w+:)?instrText>",
    re.DOTALL,
)
_FLD_SIMPLE = re.compile(r'(<(?:\w+:)?fldSimple\b[^>]*?\binstr=")([^"]*)(")', re.DOTALL)
_MAIL_MERGE = re.compile(r"<(\w+:)?mailMerge\b.*?</\1mailMerge>|<(\w+:)?mailMerge\b[^>]*/>", re.S)


def clean(data: bytes, kind: MediaType, limits: Limits, deadline: Deadline) -> Cleaned:
    if kind in (MediaType.DOCX, MediaType.XLSX):
        return _ooxml(data, limits, deadline)
    if kind == MediaType.ODT:
        return _odt(data, limits, deadline)
    if kind == MediaType.RTF:
        return _rtf(data)
    return _compound(data)


# --- OOXML ---------------------------------------------------------------------------------------


def _rebuild(original: bytes, members: dict[str, bytes]) -> bytes:
    """The package with the same member order, each member as edited (or dropped)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(original)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename in members:
                kept = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                kept.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(kept, members[info.filename])
    return out.getvalue()


def _ooxml(data: bytes, limits: Limits, deadline: Deadline) -> Cleaned:
    members = read_zip(data, limits, deadline)
    result = Cleaned(data)
    dropped = {name for name in members if _CODE_PARTS.search(name)}
    for name in sorted(dropped):
        lowered = name.lower()
        result.note(
            "macros (VBA)"
            if "vba" in lowered or "toolbars" in lowered
            else "ActiveX controls"
            if "activex" in lowered
            else "ribbon customisation"
            if "customui" in lowered
            else "embedded OLE objects"
        )
        del members[name]
    for name in list(members):
        text = members[name]
        if name.endswith(".rels"):
            members[name] = _clean_rels(text, name, members, result)
        elif name.endswith(".xml") and not name.startswith("customXml/"):
            members[name] = _clean_fields(text, result)
    if "[Content_Types].xml" in members and dropped:
        types = members["[Content_Types].xml"].decode("utf-8", "replace")
        for name in dropped:
            types = re.sub(
                rf'<(\w+:)?Override\b[^>]*PartName="/{re.escape(name)}"[^>]*/>', "", types
            )
        members["[Content_Types].xml"] = types.encode("utf-8")
    if not result.removed:
        return result
    result.data = _rebuild(data, members)
    return result


def _part(rels_name: str, target: str) -> str:
    """The package part an internal target names, from the ``.rels`` file that holds it."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    folder = posixpath.dirname(posixpath.dirname(rels_name))  # word/_rels/x.rels -> word
    return posixpath.normpath(posixpath.join(folder, target))


def _clean_rels(raw: bytes, rels_name: str, members: dict[str, bytes], result: Cleaned) -> bytes:
    text = raw.decode("utf-8", "replace")

    def keep(match: re.Match[str]) -> str:
        attrs = dict(_ATTR.findall(match.group(0)))
        target, kind = attrs.get("Target", ""), attrs.get("Type", "")
        if attrs.get("TargetMode", "").lower() == "external":
            if _FETCHED.search(kind):
                result.note(f"external {kind.rsplit('/', 1)[-1]} ({_where(target)})")
                return ""
            if not _WEB_TARGET.match(target):
                result.note(f"link to a local file or network path ({_where(target)})")
                return ""
            return match.group(0)
        if _part(rels_name, target) not in members:  # removed above, or never there
            if not _CODE_PARTS.search(_part(rels_name, target)):
                result.note("reference to a missing part (LibreOffice would not open the file)")
            return ""
        return match.group(0)

    return _REL.sub(keep, text).encode("utf-8")


def _where(target: str) -> str:
    """Where a removed link pointed, without a path that may name people or cases."""
    match = re.match(r"^\s*([a-zA-Z][\w+.-]*:)?(//|\\\\)?([^/\\]*)", target)
    if not match:
        return "?"
    scheme, host = match.group(1) or "", match.group(3) if match.group(2) else ""
    return f"{scheme}//{host}" if host else (scheme or "relative path")


def _clean_fields(raw: bytes, result: Cleaned) -> bytes:
    if b"instr" not in raw and b"mailMerge" not in raw:
        return raw
    text = raw.decode("utf-8", "replace")
    edits: list[tuple[int, int, str]] = []
    stack: list[tuple[list[str], list[tuple[int, int]]]] = []
    for token in _FLD_TOKEN.finditer(text):
        kind, code = token.group(2), token.group(4)
        if kind == "begin":
            stack.append(([], []))
        elif code is not None and stack:
            stack[-1][0].append(code)
            stack[-1][1].append(token.span(4))
        elif kind in ("separate", "end") and stack:
            codes, spans = stack[-1]
            if codes and _FIELD_CODE.match("".join(codes)):
                result.note(f"{''.join(codes).split()[0].upper()} field")
                edits += [(start, end, "") for start, end in spans]
                codes.clear()
            if kind == "end":
                stack.pop()
    for match in _FLD_SIMPLE.finditer(text):
        if _FIELD_CODE.match(match.group(2)):
            result.note(f"{match.group(2).split()[0].upper()} field")
            edits.append((*match.span(2), ""))
    for match in _MAIL_MERGE.finditer(text):
        result.note("mail-merge data source")
        edits.append((*match.span(0), ""))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text.encode("utf-8")


# --- ODT -----------------------------------------------------------------------------------------

_ODT_CODE_PARTS = re.compile(r"^(Basic|Scripts|Object \d+|ObjectReplacements)/", re.IGNORECASE)
_ODT_EVENTS = re.compile(
    r"<office:event-listeners\b.*?</office:event-listeners>|<office:event-listeners\b[^>]*/>"
    r"|<office:scripts\b.*?</office:scripts>|<office:scripts\b[^>]*/>",
    re.DOTALL,
)
_ODT_DDE = re.compile(
    r"<(text:dde-connection-decls|table:dde-links)\b.*?</\1>"
    r"|<text:section-source\b[^>]*/>|<draw:object(-ole)?\b.*?</draw:object(-ole)?>"
    r"|<draw:object(-ole)?\b[^>]*/>",
    re.DOTALL,
)
_ODT_HREF = re.compile(r'(<draw:image\b[^>]*?xlink:href=")([^"]*)(")', re.DOTALL)
_ODT_LINK = re.compile(r'(<text:a\b[^>]*?xlink:href=")([^"]*)(")', re.DOTALL)


def _odt(data: bytes, limits: Limits, deadline: Deadline) -> Cleaned:
    members = read_zip(data, limits, deadline)
    result = Cleaned(data)
    for name in [n for n in members if _ODT_CODE_PARTS.match(n)]:
        result.note("macros (Basic)" if name.startswith(("Basic", "Scripts")) else "OLE objects")
        del members[name]
    for name in ("content.xml", "styles.xml", "settings.xml"):
        if name not in members:
            continue
        text = members[name].decode("utf-8", "replace")
        text, events = _ODT_EVENTS.subn("", text)
        if events:
            result.note("macro event bindings")
        text, linked = _ODT_DDE.subn("", text)
        if linked:
            result.note("DDE links, linked sections or OLE objects")

        def internal_image(match: re.Match[str]) -> str:
            if re.match(r"^\s*([a-zA-Z][\w+.-]*:|/|\\\\|\.\./)", match.group(2)):
                result.note(f"linked image ({_where(match.group(2))})")
                return match.group(1) + match.group(3)
            return match.group(0)

        def web_link(match: re.Match[str]) -> str:
            target = match.group(2)
            if target.startswith("#") or _WEB_TARGET.match(target):
                return match.group(0)
            result.note(f"link to a local file or network path ({_where(target)})")
            return match.group(1) + match.group(3)

        text = _ODT_LINK.sub(web_link, _ODT_HREF.sub(internal_image, text))
        members[name] = text.encode("utf-8")
    if not result.removed:
        return result
    if "META-INF/manifest.xml" in members:
        manifest = members["META-INF/manifest.xml"].decode("utf-8", "replace")
        manifest = re.sub(
            r'<manifest:file-entry\b[^>]*manifest:full-path="(Basic|Scripts|Object \d+|'
            r'ObjectReplacements)/?[^"]*"[^>]*/>',
            "",
            manifest,
        )
        members["META-INF/manifest.xml"] = manifest.encode("utf-8")
    result.data = _rebuild(data, members)
    return result


# --- RTF -----------------------------------------------------------------------------------------

_RTF_GROUPS = {
    b"\\object": "embedded OLE objects",
    b"\\*\\objdata": "embedded OLE objects",
    b"\\*\\template": "external template",
    b"\\*\\datastore": "embedded OLE objects",
}


def _group_end(data: bytes, start: int) -> int:
    """Index just past the ``}`` closing the group that opens at ``start``."""
    depth, i = 0, start
    while i < len(data):
        byte = data[i]
        if byte == 0x5C:  # backslash: skip the escaped character (\{ \} \\)
            i += 2
            continue
        if byte == 0x7B:
            depth += 1
        elif byte == 0x7D:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(data)


def _rtf(data: bytes) -> Cleaned:
    result = Cleaned(data)
    out = bytearray()
    i = 0
    while True:
        start = data.find(b"{", i)
        if start < 0:
            out += data[i:]
            break
        if start > 0 and data[start - 1] == 0x5C and data[max(0, start - 2) : start] != b"\\\\":
            out += data[i : start + 1]
            i = start + 1
            continue
        head = data[start + 1 : start + 40].lstrip()
        label = next((v for k, v in _RTF_GROUPS.items() if head.startswith(k)), None)
        if head.startswith(b"\\*\\fldinst"):
            end = _group_end(data, start)
            words = re.sub(rb"\\[a-z]+-?\d* ?|\\\*|[{}]", b"", data[start:end])
            code = words.decode("latin-1").strip()
            if code and _FIELD_CODE.match(code):
                result.note(f"{code.split()[0].upper()} field")
                out += data[i:start] + b"{\\*\\fldinst }"
                i = end
                continue
        if label is None:
            out += data[i : start + 1]
            i = start + 1
            continue
        end = _group_end(data, start)
        result.note(label)
        out += data[i:start]
        if head.startswith(b"\\object"):  # keep the picture Word printed in place of the object
            result_at = data.find(b"{\\result", start, end)
            if result_at >= 0:
                out += data[result_at : _group_end(data, result_at)]
        i = end
    if result.removed:
        result.data = bytes(out)
    return result


# --- DOC / XLS -----------------------------------------------------------------------------------


def _compound(data: bytes) -> Cleaned:
    """What a legacy file holds that the PDF will not: recorded, not removed (see above)."""
    import olefile

    result = Cleaned(data)
    with olefile.OleFileIO(data) as ole:
        names = {"/".join(entry) for entry in ole.listdir(streams=True, storages=True)}
    if any(n.startswith(("Macros", "_VBA_PROJECT")) or "/VBA/" in f"/{n}/" for n in names):
        result.note("macros (VBA; kept in the original only, never run)")
    if any(n.startswith(("ObjectPool", "MBD")) for n in names):
        result.note("embedded OLE objects (kept in the original only, never run)")
    return result
