"""Plain text of an RTF document, decoded in memory by a small tokenizer of our own.

RTF libraries mostly ignore the declared code page, which is exactly what Vietnamese RTF depends
on: Word writes ``\\uN`` escapes (with a fallback character to skip), older editors write
``\\'hh`` bytes in the document's ``\\ansicpgN`` or the font's ``\\fcharsetN`` code page (1258 for
Vietnamese). Only text is wanted, so destinations such as font tables, pictures, embedded objects
and document properties are skipped whole.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, replace

from security.errors import Refused

_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z])"
    rb"|([{}])|([^\\{}\r\n]+)|[\r\n]+"
)
_SKIP = frozenset(
    b"fonttbl colortbl stylesheet info pict object themedata datastore latentstyles listtable "
    b"listoverridetable rsidtbl generator xmlnstbl mmathPr filetbl revtbl header footer headerl "
    b"headerr headerf footerl footerr footerf fldinst bkmkstart bkmkend field-inst private "
    b"userprops colorschememapping pgdsctbl protusertbl".split()
)
_BREAKS = {b"par": "\n", b"line": "\n", b"sect": "\n", b"page": "\n", b"row": "\n", b"cell": "\t"}
_BREAKS |= {b"tab": "\t", b"emdash": "—", b"endash": "–", b"bullet": "•"}
_BREAKS |= {b"lquote": "‘", b"rquote": "’", b"ldblquote": "“", b"rdblquote": "”"}
# \fcharsetN -> code page (Windows charset numbers).
_CHARSETS = {0: 1252, 163: 1258, 238: 1250, 204: 1251, 161: 1253, 162: 1254, 186: 1257, 222: 874}
MAX_DEPTH = 200


@dataclass(frozen=True)
class _State:
    skip: bool = False
    uc: int = 1  # characters of fallback after a \uN escape
    codepage: int = 1252


def _codec(codepage: int) -> str:
    try:
        return codecs.lookup(f"cp{codepage}").name
    except LookupError:
        return "cp1252"


def _font_codepages(data: bytes) -> dict[int, int]:
    """\\fN -> code page, from the font table's \\fcharsetN (or \\cpgN) declarations."""
    pages: dict[int, int] = {}
    for match in re.finditer(rb"\\f(\d+)[^;{}]*?\\(fcharset|cpg)(\d+)", data[:200_000]):
        number, kind, value = int(match[1]), match[2], int(match[3])
        pages[number] = value if kind == b"cpg" else _CHARSETS.get(value, 1252)
    return pages


class _Decoder:
    def __init__(self, data: bytes) -> None:
        declared = re.search(rb"\\ansicpg(\d+)", data[:4096])
        self.default = int(declared[1]) if declared else 1252
        self.fonts = _font_codepages(data)
        self.out: list[str] = []
        self.pending = bytearray()  # \'hh bytes waiting to be decoded together
        self.pending_page = self.default
        self.skip_next = 0

    def flush(self) -> None:
        if self.pending:
            self.out.append(self.pending.decode(_codec(self.pending_page), "replace"))
            self.pending.clear()

    def emit(self, text: str, state: _State) -> None:
        if state.skip:
            return
        if self.skip_next:
            cut = min(self.skip_next, len(text))
            text, self.skip_next = text[cut:], self.skip_next - cut
        self.flush()
        self.out.append(text)

    def byte(self, value: int, state: _State) -> None:
        if state.skip:
            return
        if self.skip_next:
            self.skip_next -= 1
            return
        if self.pending and self.pending_page != state.codepage:
            self.flush()
        self.pending_page = state.codepage
        self.pending.append(value)

    def run(self, data: bytes) -> str:
        stack: list[_State] = []
        state = _State(codepage=self.default)
        for match in _TOKEN.finditer(data):
            word, arg, hexbyte, symbol, brace, text = match.groups()
            if brace == b"{":
                if len(stack) >= MAX_DEPTH:
                    raise Refused(
                        "Tệp RTF lồng nhóm quá sâu: hãy mở bằng Word rồi lưu thành PDF.",
                        "The RTF nests groups too deeply: open it in Word and save it as PDF.",
                    )
                stack.append(state)
            elif brace == b"}":
                state = stack.pop() if stack else state
            elif hexbyte is not None:
                self.byte(int(hexbyte, 16), state)
            elif symbol is not None:
                if symbol == b"*":
                    state = replace(state, skip=True)
                elif symbol in (b"\\", b"{", b"}"):
                    self.emit(symbol.decode(), state)
                elif symbol == b"~":
                    self.emit("\u00a0", state)
            elif word is not None:
                state = self.control(word, arg, state)
            elif text is not None:
                self.emit(text.decode("latin-1"), state)
        self.flush()
        return "".join(self.out)

    def control(self, word: bytes, arg: bytes | None, state: _State) -> _State:
        number = int(arg) if arg else None
        if word in _SKIP:
            return replace(state, skip=True)
        if word == b"uc" and number is not None:
            return replace(state, uc=number)
        if word == b"f" and number is not None:
            return replace(state, codepage=self.fonts.get(number, self.default))
        if word == b"u" and number is not None:
            self.emit(chr(number % 65536), state)
            self.skip_next = state.uc if not state.skip else 0
        elif word in _BREAKS:
            self.emit(_BREAKS[word], state)
        return state


def rtf_to_text(data: bytes) -> str:
    """The text of an RTF document (not yet NFC: the caller normalizes everything)."""
    if not data.lstrip().startswith(b"{\\rtf"):
        raise Refused("Tệp không phải RTF hợp lệ.", "The file is not valid RTF.")
    return _Decoder(data).run(data)
