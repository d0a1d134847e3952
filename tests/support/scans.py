"""Scan-like pages made in memory for the secrecy tests: a Party header drawn as an image (no
text layer), optionally with a red, boxed, slightly rotated secrecy stamp under the number, as
offices stamp it. Only the DejaVu font is read from disk."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
RED = (200, 30, 35)


def _stamp(text: str, size: int, angle: float) -> Image.Image:
    """A red rubber stamp: the word in a double box, turned by ``angle`` degrees."""
    font = ImageFont.truetype(BOLD, size)
    left, top, right, bottom = font.getbbox(text)
    pad = size // 2
    w, h = right - left + 2 * pad, bottom - top + 2 * pad
    stamp = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(stamp)
    draw.rectangle((0, 0, w - 1, h - 1), outline=RED, width=5)
    draw.rectangle((9, 9, w - 10, h - 10), outline=RED, width=2)
    draw.text((pad - left, pad - top), text, fill=RED, font=font)
    return stamp.rotate(angle, expand=True, resample=Image.BICUBIC)


def header_page(
    stamp: str | None = "MẬT",
    *,
    number: str = "Số 12-KH/BTCTU",
    dpi: int = 200,
    angle: float = 8.0,
    gray: bool = False,
) -> Image.Image:
    """Page 1 of a Kế hoạch of Ban Tổ chức Tỉnh ủy Lào Cai, A4 at ``dpi``."""
    scale = dpi / 200
    page = Image.new("RGB", (round(1654 * scale), round(2339 * scale)), "white")
    draw = ImageDraw.Draw(page)
    body = ImageFont.truetype(FONT, round(30 * scale))
    bold = ImageFont.truetype(BOLD, round(30 * scale))
    title = ImageFont.truetype(BOLD, round(40 * scale))

    def at(x: int, y: int, text: str, font=body) -> None:
        draw.text((round(x * scale), round(y * scale)), text, fill="black", font=font)

    at(160, 150, "TỈNH ỦY LÀO CAI")
    at(190, 195, "BAN TỔ CHỨC", bold)
    at(300, 240, "*")
    at(150, 285, number)
    at(880, 150, "ĐẢNG CỘNG SẢN VIỆT NAM", bold)
    at(860, 285, "Lào Cai, ngày 05 tháng 3 năm 2025")
    at(700, 560, "KẾ HOẠCH", title)
    at(330, 620, "phát triển đảng viên trong các chi bộ cơ sở năm 2025")
    for i, line in enumerate(
        [
            "Thực hiện Nghị quyết của Ban Thường vụ Tỉnh ủy, Ban Tổ chức xây dựng",
            "kế hoạch phát triển đảng viên như sau.",
        ]
    ):
        at(150, 760 + 50 * i, line)
    if stamp:
        mark = _stamp(stamp, round(44 * scale), angle)
        page.paste(mark, (round(210 * scale), round(340 * scale)), mark)
    return page.convert("L") if gray else page


def scan_pdf(page: Image.Image, dpi: int = 200) -> bytes:
    """The page as a PDF with no text layer, like a scanner makes."""
    out = io.BytesIO()
    page.convert("RGB").save(out, format="PDF", resolution=dpi)
    return out.getvalue()


BLUE = (30, 50, 170)
HAND = "/usr/share/fonts/truetype/dejavu/DejaVuSans-BoldOblique.ttf"


def number_line_page(
    digits: str,
    symbol: str = "/QĐ-SCT",
    *,
    hand: bool = False,
    colour: bool = True,
    dpi: int = 200,
    gap: str = "  ",
) -> Image.Image:
    """A header's number line, "Số:" and the symbol printed, the digits printed with them in
    the same type or written into the blank as a pen does: larger, bolder, slanted, above the
    line, in blue ink (``colour``) or in gray once scanned in grayscale. ``gap``: what is
    printed between the (printed) digits and the symbol: the blank's width when there are no
    digits ("" and a wide gap: an unnumbered copy)."""
    scale = dpi / 200
    page = Image.new("RGB", (round(1654 * scale), round(700 * scale)), "white")
    draw = ImageDraw.Draw(page)
    body = ImageFont.truetype(FONT, round(30 * scale))
    x, y = round(150 * scale), round(285 * scale)
    draw.text(
        (round(160 * scale), round(150 * scale)), "UBND TỈNH LÀO CAI", fill="black", font=body
    )
    draw.text((round(180 * scale), round(195 * scale)), "SỞ CÔNG THƯƠNG", fill="black", font=body)
    draw.text((x, y), "Số:", fill="black", font=body)
    x += round(body.getlength("Số: "))
    if hand:
        pen = ImageFont.truetype(HAND, round(40 * scale))
        draw.text(
            (x, y - round(14 * scale)), digits, fill=BLUE if colour else (70, 70, 70), font=pen
        )
        x += round(pen.getlength(digits + " "))
    else:
        draw.text((x, y), digits + gap, fill="black", font=body)
        x += round(body.getlength(digits + gap))
    draw.text((x, y), symbol, fill="black", font=body)
    draw.text((round(880 * scale), round(150 * scale)), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
              fill="black", font=body)  # fmt: skip
    return page if colour else page.convert("L")


SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
ITALIC = "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf"


def date_line_page(
    day: str, *, how: str = "printed", colour: bool = True, dpi: int = 200,
    number: tuple[str, str] = ("1050", "/QĐ-SCT"), pen_number: bool | None = None,
) -> Image.Image:  # fmt: skip
    """A state header whose date line "Lào Cai, ngày __ tháng 3 năm 2026" (italic print) has
    its day ``how``: "printed" in the line's own type; "raised" in another, upright type set a
    little above the line, as e-signing systems print it; "pen" written into the blank as a pen
    does (larger, bolder, slanted, in blue ink, or gray once scanned in grayscale); "blank"
    left empty. ``number`` is the number line's digits and its printed symbol; the digits are
    written by a pen when ``pen_number`` says so (by default, when the day is)."""
    scale = dpi / 200
    page = Image.new("RGB", (round(1654 * scale), round(700 * scale)), "white")
    draw = ImageDraw.Draw(page)
    body = ImageFont.truetype(SERIF, round(30 * scale))
    italic = ImageFont.truetype(ITALIC, round(30 * scale))
    pen = ImageFont.truetype(HAND, round(40 * scale))
    ink = BLUE if colour else (70, 70, 70)

    def at(x: float, y: float, text: str, font=body, fill="black") -> float:
        draw.text((round(x), round(y)), text, fill=fill, font=font)
        return x + font.getlength(text)

    at(160 * scale, 150 * scale, "UBND TỈNH LÀO CAI")
    at(180 * scale, 195 * scale, "SỞ CÔNG THƯƠNG")
    at(880 * scale, 150 * scale, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    at(950 * scale, 195 * scale, "Độc lập - Tự do - Hạnh phúc")
    y = 285 * scale
    x = at(150 * scale, y, "Số: ")
    if how == "pen" if pen_number is None else pen_number:
        x = at(x, y - 14 * scale, number[0], pen, ink) + body.getlength(" ")
    else:
        x = at(x, y, number[0] + " ")
    at(x, y, number[1])
    x = at(860 * scale, y, "Lào Cai, ngày ", italic)
    if how == "printed":
        x = at(x, y, day, italic)
    elif how == "raised":
        upright = ImageFont.truetype(SERIF, round(28 * scale))
        x = at(x + 4 * scale, y - 5 * scale, day, upright) + 4 * scale
    elif how == "pen":
        x = at(x + 6 * scale, y - 14 * scale, day, pen, ink) + 6 * scale
    else:
        x += italic.getlength("    ")
    at(x, y, " tháng 3 năm 2026", italic)
    at(640 * scale, 420 * scale, "QUYẾT ĐỊNH", ImageFont.truetype(BOLD, round(36 * scale)))
    return page if colour else page.convert("L")
