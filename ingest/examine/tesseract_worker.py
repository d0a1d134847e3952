"""A long-lived Tesseract: the Vietnamese model loaded once, then page after page read with it.

``tesseract stdin stdout`` loads its model (about a third of a second of one core, a sixth of a
dense page) in every process, and a 6-page scan took four processes. This process is started by
``ingest.examine.ocr_pool`` once per pool slot, as ``python -I -S tesseract_worker.py LANG``: the
standard library only, so it starts in milliseconds, and the very library the ``tesseract``
command uses (``libtesseract``'s C API through ``ctypes``, Leptonica reading the image from
memory as the command reads its stdin), so a page reads exactly as it does there.

Everything goes through pipes, nothing to disk. Each request on stdin is ``REQUEST`` (page
segmentation mode, TSV wanted, image length) and a PGM image; each answer on stdout is
``ANSWER`` (0 for a text, 1 for an error) and UTF-8 bytes: the page's text, or with TSV the
table the command prints (its heading line, then the words with their boxes). The first answer,
before any request, is Tesseract's version once the model is loaded, or why it could not be.
The process ends when its stdin closes (the pool, or the process holding it, is gone).
"""

import ctypes
import ctypes.util
import struct
import sys

REQUEST = struct.Struct("<BBI")  # psm, tsv, image bytes
ANSWER = struct.Struct("<BI")  # 0 text / 1 error, payload bytes
COLUMNS = "level page_num block_num par_num line_num word_num left top width height conf text"
TSV_HEADING = "\t".join(COLUMNS.split()).encode() + b"\n"  # the command's first line


def _library(*names: str) -> ctypes.CDLL:
    for name in names:
        found = ctypes.util.find_library(name)
        if found:
            return ctypes.CDLL(found)
    raise OSError(f"the {names[0]} library is not installed")


class Api:
    """Tesseract's C API with its model loaded (``capi.h``)."""

    def __init__(self, language: str) -> None:
        tess = _library("tesseract")
        lept = _library("leptonica", "lept")
        handle = ctypes.c_void_p
        tess.TessVersion.restype = ctypes.c_char_p
        tess.TessBaseAPICreate.restype = handle
        tess.TessBaseAPIInit3.argtypes = [handle, ctypes.c_char_p, ctypes.c_char_p]
        tess.TessBaseAPISetPageSegMode.argtypes = [handle, ctypes.c_int]
        tess.TessBaseAPISetImage2.argtypes = [handle, ctypes.c_void_p]
        tess.TessBaseAPIRecognize.argtypes = [handle, ctypes.c_void_p]
        for name in ("TessBaseAPIGetUTF8Text", "TessBaseAPIGetTsvText"):
            getattr(tess, name).restype = ctypes.c_void_p  # freed with TessDeleteText
        tess.TessBaseAPIGetUTF8Text.argtypes = [handle]
        tess.TessBaseAPIGetTsvText.argtypes = [handle, ctypes.c_int]
        tess.TessDeleteText.argtypes = [ctypes.c_void_p]
        tess.TessBaseAPIClear.argtypes = [handle]
        tess.TessBaseAPIDelete.argtypes = [handle]
        lept.pixReadMem.restype = ctypes.c_void_p
        lept.pixReadMem.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
        lept.pixDestroy.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
        self.tess, self.lept = tess, lept
        self.version = "tesseract " + tess.TessVersion().decode()
        self.handle = tess.TessBaseAPICreate()
        if tess.TessBaseAPIInit3(self.handle, None, language.encode()) != 0:
            raise OSError(f"Tesseract's {language} model could not be loaded")

    def close(self) -> None:
        self.tess.TessBaseAPIDelete(self.handle)

    def read(self, image: bytes, psm: int, tsv: bool) -> bytes:
        """One page's text (or TSV table), as ``tesseract stdin stdout --psm N [tsv]``."""
        pix = ctypes.c_void_p(self.lept.pixReadMem(image, len(image)))
        if not pix:
            raise ValueError("the page image could not be read")
        try:
            self.tess.TessBaseAPISetPageSegMode(self.handle, psm)
            self.tess.TessBaseAPISetImage2(self.handle, pix)
            if self.tess.TessBaseAPIRecognize(self.handle, None) < 0:
                raise ValueError("recognition failed")
            found = (
                self.tess.TessBaseAPIGetTsvText(self.handle, 0)
                if tsv
                else self.tess.TessBaseAPIGetUTF8Text(self.handle)
            )
            if not found:
                raise ValueError("no text came back")
            try:
                text = ctypes.string_at(found)
            finally:
                self.tess.TessDeleteText(found)
            return TSV_HEADING + text if tsv else text
        finally:
            self.tess.TessBaseAPIClear(self.handle)
            self.lept.pixDestroy(ctypes.byref(pix))


def _exactly(stream, size: int) -> bytes | None:
    data = stream.read(size)
    return data if len(data) == size else None


def _answer(out, status: int, payload: bytes) -> None:
    out.write(ANSWER.pack(status, len(payload)) + payload)
    out.flush()


def main() -> None:
    source, out = sys.stdin.buffer, sys.stdout.buffer
    try:
        api = Api(sys.argv[1])
    except (OSError, AttributeError) as exc:  # no library, an old one, no model
        _answer(out, 1, str(exc).encode())
        return
    _answer(out, 0, api.version.encode())
    try:
        while (head := _exactly(source, REQUEST.size)) is not None:
            psm, tsv, size = REQUEST.unpack(head)
            image = _exactly(source, size)
            if image is None:
                return
            try:
                _answer(out, 0, api.read(image, psm, bool(tsv)))
            except ValueError as exc:
                _answer(out, 1, str(exc).encode())
    finally:
        api.close()


if __name__ == "__main__":
    main()
