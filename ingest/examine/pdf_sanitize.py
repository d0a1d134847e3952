"""Active content out of a PDF, by construction, and a check of the copy that was written.

Walking from the catalogue and the pages, and skipping keys thought inert, misses whatever is
kept alive another way: a form field's actions reached only through a widget's ``/Parent``, an
embedded file held by a Popup whose ``/Parent`` is the removed attachment annotation, PDF 2.0
associated files (``/AF``) on structure elements. So every object of the file is cleaned in
place, one at a time (no recursion: an outline of 1,200 sibling bookmarks is a chain of 1,200
``/Next`` links), and an action that must go is emptied where it lies, so that nothing that still
points at it can bring it back. qpdf then writes only what is reachable from the trailer, and
``leftovers`` searches that written copy again: anything listed that is still there is a failure,
never a silent pass.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from decimal import Decimal

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream

# Action types that run code, start programs, send data out, open other files or play media.
DANGEROUS_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
        "/GoToR",
        "/RichMediaExecute",
        "/Rendition",
        "/Movie",
        "/Sound",
    }
)
# Annotations that carry files, media players or 3D scenes (which can hold scripts).
DANGEROUS_ANNOTS = frozenset(
    {"/FileAttachment", "/RichMedia", "/Movie", "/Sound", "/Screen", "/3D"}
)
# What such an annotation carries: removed even where the annotation itself stays reachable.
_ANNOT_PAYLOAD = ("/FS", "/RichMediaContent", "/RichMediaSettings", "/Movie", "/Sound", "/3DD")
# Keys removed wherever they are, with the label noted for the record's events.
_KEYS = {
    "/JS": "JavaScript",
    "/JavaScript": "JavaScript",  # the document-level script name tree
    "/EF": "EmbeddedFiles",
    "/EmbeddedFiles": "EmbeddedFiles",
    "/AF": "associated files (AF)",
    "/XFA": "XFA",
    "/Collection": "EmbeddedFiles",  # PDF portfolio
    "/OPI": "external image (OPI)",
    "/RichMediaContent": "RichMedia annotation",
    "/3DD": "3D annotation",
}
# Keys of a stream whose data lives in another file (or at a URL): fetched by viewers on render.
_EXTERNAL_STREAM = ("/F", "/FFilter", "/FDecodeParms")
# URIs that reach the local network or the file system rather than a web page.
_LOCAL_URI = re.compile(r"^\s*(file:|smb:|\\\\|//|javascript:|vbscript:|data:)", re.IGNORECASE)


_RESOURCE_TYPES = frozenset(
    {"/Font", "/XObject", "/ExtGState", "/Pattern", "/Shading", "/OCG", "/OCMD", "/FontDescriptor"}
)
_RESOURCE_SUBTYPES = frozenset(
    {"/Image", "/Form", "/PS", "/Type0", "/Type1", "/MMType1", "/Type3", "/TrueType",
     "/CIDFontType0", "/CIDFontType2"}
)  # fmt: skip
_COLOUR_SPACES = frozenset(
    {"/ICCBased", "/Indexed", "/Separation", "/DeviceN", "/Lab", "/CalRGB", "/CalGray",
     "/Pattern", "/DeviceRGB", "/DeviceGray", "/DeviceCMYK"}
)  # fmt: skip
_GRAPHICS_STATE = frozenset({"/CA", "/ca", "/BM", "/SMask", "/LW", "/OP", "/op", "/OPM", "/SA"})


def _resource(value: object) -> bool:
    """A font, image, form, graphics state or colour space: what a page's resource dictionaries
    name freely (a font may be called ``/JS`` or ``/AA``), never active content."""
    if isinstance(value, (Dictionary, Stream)):
        return (
            _name(value.get("/Type")) in _RESOURCE_TYPES
            or _name(value.get("/Subtype")) in _RESOURCE_SUBTYPES
            or "/ShadingType" in value
            or "/PatternType" in value
            or ("/S" not in value and any(key in value for key in _GRAPHICS_STATE))
        )
    if isinstance(value, Array) and len(value) and isinstance(value[0], Name):
        return str(value[0]) in _COLOUR_SPACES
    return isinstance(value, Name) and str(value) in _COLOUR_SPACES


def listed_keys(obj: Dictionary | Stream) -> list[str]:
    """Listed keys of a dictionary and of the direct dictionaries nested in it, but not resource
    names that happen to be spelled like one."""
    found, stack = [], [obj]
    while stack:
        current = stack.pop()
        if isinstance(current, Array):
            stack.extend(
                v for v in current if isinstance(v, (Dictionary, Array)) and not v.is_indirect
            )
            continue
        for key, value in _items(current):
            if key in _KEYS or key == "/AA":
                if not _resource(value):
                    found.append(key)
            elif isinstance(value, (Dictionary, Array)) and not value.is_indirect:
                stack.append(value)
    return found


def _name(value: object) -> str:
    return str(value) if isinstance(value, Name) else ""


def _items(obj: Dictionary | Stream) -> list[tuple[str, object]]:
    """Keys and values; ``items`` copes with keys that are not UTF-8, where ``get`` does not."""
    return list(obj.items())


def _text(value: object) -> str:
    if isinstance(value, pikepdf.String):
        return bytes(value).decode("latin-1")
    return ""


def _holder(obj: Dictionary | Stream) -> str:
    """What kind of object automatic actions hang from, for the record: Page, Annot, Field…"""
    kind = _name(obj.get("/Type"))
    if kind in ("/Page", "/Catalog", "/Annot"):
        return kind[1:]
    if "/FT" in obj or ("/Kids" in obj and "/T" in obj):
        return "Field"
    return "Annot" if "/Rect" in obj else "Object"


class Sanitizer:
    """Cleans every object of an open PDF in place; ``removed`` lists what went, once each."""

    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pdf = pdf
        self.removed: list[str] = []

    def note(self, what: str) -> None:
        if what not in self.removed:
            self.removed.append(what)

    def run(self) -> list[str]:
        root = self.pdf.Root
        opener = root.get("/OpenAction")
        # A destination ("open at page 1") or a plain GoTo is navigation, not active content.
        if isinstance(opener, Dictionary) and _name(opener.get("/S")) != "/GoTo":
            del root["/OpenAction"]
            self.note("OpenAction")
        for obj, items in all_dictionaries(self.pdf):
            self.clean(obj, items)
        return self.removed

    def clean(self, obj: Dictionary | Stream, items: list[tuple[str, object]]) -> None:
        entries = dict(items)
        kind = _name(entries.get("/S"))
        if kind in DANGEROUS_ACTIONS or (kind == "/URI" and self.local_uri(obj)):
            self.note_action(obj)
            self.empty(obj)
            return
        subtype = _name(entries.get("/Subtype"))
        if subtype in DANGEROUS_ANNOTS:
            for key in _ANNOT_PAYLOAD:
                if key in obj:
                    del obj[key]
            self.note(f"{subtype[1:]} annotation")
        if subtype == "/Popup" and self.dead_parent(obj):
            del obj["/Parent"]
        if isinstance(obj, Stream):
            self.clean_stream(obj, entries)
        for key, value in items:
            if (key == "/AA" or key in _KEYS) and _resource(value):
                continue  # a font or image that is merely named /AA, /JS…
            if key == "/AA":
                del obj[key]
                self.note(f"{_holder(obj)} AA")
            elif key in _KEYS:
                del obj[key]
                self.note(_KEYS[key])
            elif key == "/Ref" and subtype == "/Form":
                del obj[key]  # a reference XObject: a page imported from another file
                self.note("external page reference")
            elif key == "/Annots" and isinstance(value, Array):
                self.drop_annots(obj, value)
            elif key in ("/A", "/Next") and isinstance(value, Dictionary) and self.doomed(value):
                self.note_action(value)
                del obj[key]  # emptied in place too (``clean`` of the action), wherever it is
            elif key == "/Next" and isinstance(value, Array):
                kept = [a for a in value if not (isinstance(a, Dictionary) and self.doomed(a))]
                for action in value:
                    if isinstance(action, Dictionary) and self.doomed(action):
                        self.note_action(action)
                if len(kept) != len(value):
                    obj[key] = Array(kept)

    def clean_stream(self, stream: Stream, entries: dict[str, object]) -> None:
        if any(key in entries for key in _EXTERNAL_STREAM):
            for key in _EXTERNAL_STREAM:
                if key in entries:
                    del stream[key]
            self.note("external stream data (F)")
        if _name(entries.get("/Type")) == "/EmbeddedFile":
            stream.write(b"")
            del stream["/Type"]
            self.note("EmbeddedFiles")

    def note_action(self, action: Dictionary) -> None:
        kind = _name(action.get("/S"))
        if kind == "/JavaScript":
            self.note("JavaScript")
        elif kind == "/URI":
            self.note("URI action to a local file or network path")
        elif kind:
            self.note(f"{kind[1:]} action")

    def doomed(self, action: Dictionary) -> bool:
        """An action to remove, or one already emptied here."""
        kind = _name(action.get("/S"))
        return (
            kind in DANGEROUS_ACTIONS
            or (kind == "/URI" and self.local_uri(action))
            or len(action.keys()) == 0
        )

    def local_uri(self, action: Dictionary) -> bool:
        return bool(_LOCAL_URI.match(_text(action.get("/URI"))))

    @staticmethod
    def dead_parent(popup: Dictionary) -> bool:
        parent = popup.get("/Parent")
        return isinstance(parent, Dictionary) and _name(parent.get("/Subtype")) in DANGEROUS_ANNOTS

    def empty(self, obj: Dictionary | Stream) -> None:
        """An action emptied in place: every reference left to it now points at nothing to do."""
        for key, _value in _items(obj):
            with contextlib.suppress(TypeError, KeyError):  # a key not in UTF-8 cannot be named
                del obj[key]
        if isinstance(obj, Stream):
            obj.write(b"")

    def drop_annots(self, holder: Dictionary | Stream, annots: Array) -> None:
        keep = Array()
        for annot in annots:
            subtype = _name(annot.get("/Subtype")) if isinstance(annot, Dictionary) else ""
            if subtype in DANGEROUS_ANNOTS:
                self.note(f"{subtype[1:]} annotation")
            elif subtype == "/Popup" and self.dead_parent(annot):
                pass  # the note of a removed attachment
            else:
                keep.append(annot)
        if len(keep) != len(annots):
            holder["/Annots"] = keep


def all_dictionaries(
    pdf: pikepdf.Pdf,
) -> Iterator[tuple[Dictionary | Stream, list[tuple[str, object]]]]:
    """Every dictionary and stream of the file, indirect or nested, once, without recursion,
    with its items (read once: reading them is most of the walk's cost)."""
    stack: list[object] = [pdf.trailer, *pdf.objects]
    seen: set[tuple[int, int]] = set()
    while stack:
        obj = stack.pop()
        if isinstance(obj, (Dictionary, Stream)):
            if obj.is_indirect:
                if obj.objgen in seen:
                    continue
                seen.add(obj.objgen)
            items = _items(obj)
            yield obj, items
            children = [value for _key, value in items]
        elif isinstance(obj, Array):
            children = list(obj)
        else:
            continue
        # Indirect children are in ``pdf.objects`` already; only nested direct ones are pushed.
        stack.extend(_direct_containers(children))


# What pikepdf hands out as Python's own numbers (integers, booleans, reals as Decimal): never
# a dictionary, stream or array, and told apart by a plain type test.
_NUMBERS = (int, Decimal)
_CONTAINERS = (Dictionary, Stream, Array)


def _direct_containers(values: list[object]) -> list[object]:
    """The direct dictionaries, streams and arrays among ``values``. Numbers are passed over by
    Python's own ``isinstance`` first: pikepdf's type test costs several times more, and a font's
    widths (``/W``, ``/Widths``) are hundreds of numbers, most of the walk's values."""
    return [
        c
        for c in values
        if not isinstance(c, _NUMBERS) and isinstance(c, _CONTAINERS) and not c.is_indirect
    ]


_DELIM = rb"(?=[\s/\[\]<>(){}%]|$)"
_LISTED_KEY = re.compile(
    rb"/(JS|JavaScript|AA|EF|EmbeddedFiles?|AF|XFA|Collection|OPI|RichMediaContent|3DD)" + _DELIM
)
_LISTED_ACTION = re.compile(
    rb"/S\s*/(" + b"|".join(a[1:].encode() for a in sorted(DANGEROUS_ACTIONS)) + rb")" + _DELIM
)
_ANNOT_KIND = re.compile(
    rb"/Subtype\s*/(" + b"|".join(a[1:].encode() for a in sorted(DANGEROUS_ANNOTS)) + rb")" + _DELIM
)
_ANNOT_LOAD = re.compile(rb"/(FS|RichMediaContent|RichMediaSettings|Movie|Sound|3DD)" + _DELIM)
_URI = re.compile(rb"/URI\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>)")
_FORM_REF = re.compile(rb"/Subtype\s*/Form" + _DELIM)


def _uri_text(token: bytes) -> str:
    if token.startswith(b"<"):
        return bytes.fromhex(re.sub(rb"\s", b"", token[1:-1]).decode()).decode("latin-1")
    return re.sub(rb"\\(.)", rb"\1", token[1:-1]).decode("latin-1")


def leftovers(pdf: pikepdf.Pdf) -> list[str]:
    """What is still there of the listed content, searched in a (written) copy.

    Deliberately not the sanitizer's own walk: every object is serialised by qpdf (names in
    their canonical spelling, nested direct objects included) and the text searched, so a gap
    in the walk cannot hide itself from its own check.
    """
    found: set[str] = set()
    opener = pdf.Root.get("/OpenAction")
    if isinstance(opener, Dictionary) and _name(opener.get("/S")) != "/GoTo":
        found.add("OpenAction")
    for obj in [pdf.trailer, *pdf.objects]:
        if isinstance(obj, Stream):
            syntax = obj.stream_dict.unparse(resolved=True)
            if any(key in obj for key in _EXTERNAL_STREAM):
                found.add("external stream")
        elif isinstance(obj, (Dictionary, Array)):
            syntax = obj.unparse(resolved=True)
        else:
            continue
        if _LISTED_KEY.search(syntax):  # then looked at closely: a font may be named /JS
            found |= set(listed_keys(obj))
        found |= {f"/{m.decode()} action" for m in _LISTED_ACTION.findall(syntax)}
        if _ANNOT_KIND.search(syntax) and _ANNOT_LOAD.search(syntax):
            found.add("attachment or media annotation")
        if b"/Ref" in syntax and _FORM_REF.search(syntax):
            found.add("external page reference")
        for token in _URI.findall(syntax):
            if _LOCAL_URI.match(_uri_text(token)):
                found.add("local URI action")
    return sorted(found)


def flatten_page_tree(pdf: pikepdf.Pdf) -> int:
    """Rebuild a page tree with loops as viewers read it: each page once, in order, under the
    root node, inherited attributes copied down. Returns the number of pages kept."""
    root = pdf.Root.get("/Pages")
    if not isinstance(root, Dictionary):
        return 0
    inherited = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
    leaves: list[Dictionary] = []
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[object, dict]] = [(root, {})]
    while stack:
        node, inherit = stack.pop()
        if not isinstance(node, Dictionary):
            continue
        if node.is_indirect:
            if node.objgen in seen:
                continue  # the loop: a node already visited
            seen.add(node.objgen)
        here = {**inherit, **{k: node[k] for k in inherited if k in node}}
        kids = node.get("/Kids")
        if _name(node.get("/Type")) == "/Page" or not isinstance(kids, Array):
            for key, value in here.items():
                if key not in node:
                    node[key] = value
            leaves.append(node)
            continue
        stack.extend((kid, here) for kid in reversed(list(kids)))
    leaves = [leaf for leaf in leaves if leaf.objgen != root.objgen]
    for leaf in leaves:
        leaf["/Parent"] = root
    root["/Kids"] = Array(leaves)
    root["/Count"] = len(leaves)
    return len(leaves)
