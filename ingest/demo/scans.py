"""Generated scans of header pages, stamped the way offices stamp them: tests and benchmarks.

Real secret documents cannot be collected, so the stamp reader is proven on pages generated here:
a Party or state header in two columns (texts from ``ingest.samples``), a red boxed rubber stamp
(MẬT, TỐI MẬT, TUYỆT MẬT, KHẨN, HỎA TỐC…) under the number or at the top right, turned by up to
±20°, sometimes faint, bled or overprinting the text, then "scanned": a slight skew, noise, and
colour, grayscale or bitonal output at 150-300 dpi, as a PDF without a text layer or as an image.
Ordinary pages come bare, or with an incoming "ĐẾN" stamp and a round red seal at the foot, the
marks that must *not* be read as secrecy.

Everything is drawn in memory with Pillow and the DejaVu fonts (``fonts-dejavu-core``); the same
seed gives the same files.
"""

from __future__ import annotations

import io
import math
import random
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ingest.demo import samples

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
A4_INCHES = (8.27, 11.69)
LEVEL_TEXT = {"mat": "MẬT", "toi_mat": "TỐI MẬT", "tuyet_mat": "TUYỆT MẬT"}
URGENCY_TEXT = {
    "khan": "KHẨN",
    "thuong_khan": "THƯỢNG KHẨN",
    "hoa_toc": "HỎA TỐC",
    "hoa_toc_hen_gio": "HỎA TỐC HẸN GIỜ",
}
MODES = ("color", "gray", "bitonal")
DPIS = (150, 200, 300)
INKS = {"red": (205, 35, 45), "violet": (95, 50, 150), "blue": (40, 60, 170)}


@dataclass(frozen=True)
class StampSpec:
    """One stamp to put on the page."""

    kind: str  # level | urgency | other (ĐẾN)
    value: str | None
    lines: tuple[str, ...]
    angle: float = 0.0
    faint: bool = False
    boxed: bool = True
    place: str = "under_number"  # under_number | top_right | top_left
    ink: str = "red"


@dataclass
class StampedScan:
    """A generated scan and what is on it (``truth`` has the corpus keys plus the stamps)."""

    filename: str
    content: bytes
    truth: dict = field(hash=False)
    image: Image.Image | None = field(default=None, repr=False)  # the page as scanned


@lru_cache(maxsize=64)
def _font(name: str, px: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(FONT_DIR + name, px)
    except OSError:  # italics come with fonts-dejavu-extra: fall back to the upright face
        return ImageFont.truetype(FONT_DIR + name.replace("Italic", "").replace("-.", "."), px)


class _Canvas:
    """An A4 page at ``dpi`` with millimetre and point helpers."""

    def __init__(self, dpi: int) -> None:
        self.dpi = dpi
        self.image = Image.new(
            "RGB", (round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi)), "white"
        )
        self.draw = ImageDraw.Draw(self.image)

    def mm(self, value: float) -> int:
        return round(value * self.dpi / 25.4)

    def pt(self, value: float) -> int:
        return max(6, round(value * self.dpi / 72))

    def width(self, text: str, font: ImageFont.FreeTypeFont) -> int:
        return round(self.draw.textlength(text, font=font))

    def wrap(self, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
        lines: list[str] = []
        for word in text.split():
            if lines and self.width(f"{lines[-1]} {word}", font) <= width:
                lines[-1] += f" {word}"
            else:
                lines.append(word)
        return lines

    def line(self, text: str, font, x0: int, x1: int, y: int, center: bool = True,
             underline: bool = False) -> tuple[int, int, int, int]:  # fmt: skip
        w = self.width(text, font)
        x = x0 + (x1 - x0 - w) // 2 if center else x0
        self.draw.text((x, y), text, fill=(20, 20, 20), font=font)
        height = font.size
        if underline:
            u = y + round(height * 1.2)
            self.draw.line((x + w // 6, u, x + w - w // 6, u), fill=(20, 20, 20),
                           width=max(1, self.dpi // 150))  # fmt: skip
        return x, y, x + w, y + height


def _blocks(text: str) -> list[list[str]]:
    return [block.split("\n") for block in text.strip("\n").split("\n\n")]


def _split_header(block: list[str]) -> tuple[list[str], list[str]]:
    """Left column (without marks: they are stamped) and right column of a samples header."""
    marks = {*LEVEL_TEXT.values(), *URGENCY_TEXT.values(), *samples.URGENCY_MARKS.values()}
    cut = next(
        i
        for i, line in enumerate(block)
        if line in ("ĐẢNG CỘNG SẢN VIỆT NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    )
    return [ln for ln in block[:cut] if ln not in marks], block[cut:]


def compose_page(truth: dict, text: str, dpi: int, reserve: int = 0) -> tuple[Image.Image, dict]:
    """Draws the page of a samples text, leaving ``reserve`` pixels under the header for the
    marks (as offices do); returns it and where the header's parts ended up."""
    canvas = _Canvas(dpi)
    blocks = _blocks(text)
    left, right = _split_header(blocks[0])
    state = truth.get("kind") == "state"
    size = canvas.pt(12.5)
    regular, bold = _font("DejaVuSerif.ttf", size), _font("DejaVuSerif-Bold.ttf", size)
    italic = _font("DejaVuSerif-Italic.ttf", size)
    small_italic = _font("DejaVuSerif-Italic.ttf", canvas.pt(11.5))
    lx0, lx1, rx0, rx1 = canvas.mm(15), canvas.mm(92), canvas.mm(92), canvas.mm(200)
    step = round(size * 1.45)
    y = top = canvas.mm(14)
    number_box = (0, 0, 0, 0)
    number_at = next(i for i, ln in enumerate(left) if ln.startswith("Số"))
    for i, line in enumerate(left[: number_at + 1]):
        font = bold if 0 < i < number_at and line != "*" else regular
        if i == number_at:
            font = _font("DejaVuSerif.ttf", canvas.pt(13))
        box = canvas.line(line, font, lx0, lx1, y, underline=(i == number_at - 1 and state))
        if i == number_at:
            number_box = box
        y += step
    for line in left[number_at + 1 :]:  # the summary of a công văn, in italics
        for part in canvas.wrap(line, small_italic, lx1 - lx0 - canvas.mm(6)):
            canvas.line(part, small_italic, lx0, lx1, y)
            y += round(step * 0.9)
    left_bottom = y
    ry = top
    for i, line in enumerate(right):
        date_line = line[:1].isupper() and "ngày" in line
        if date_line:
            ry = max(ry + canvas.mm(2), number_box[1])
            canvas.line(line, italic, rx0, rx1, ry)
        else:
            canvas.line(line, bold, rx0, rx1, ry, underline=(i == len(right) - 2))
        ry += step
    y = max(left_bottom, ry) + canvas.mm(8) + reserve
    header_bottom = y
    body_font = _font("DejaVuSerif.ttf", canvas.pt(13))
    for b, block in enumerate(blocks[1:]):
        if block[0] == "Nơi nhận:":
            y = _signature(canvas, block, blocks[b + 2] if b + 2 < len(blocks) else [], y)
            break
        if b == 0 and not block[0].startswith("Kính gửi"):
            title = _font("DejaVuSerif-Bold.ttf", canvas.pt(14))
            canvas.line(block[0], title, canvas.mm(25), canvas.mm(190), y)
            y += round(title.size * 1.5)
            for part in canvas.wrap(block[1], bold, canvas.mm(150)):
                canvas.line(part, bold, canvas.mm(25), canvas.mm(190), y)
                y += step
            y += canvas.mm(6)
            continue
        for paragraph in block:
            for k, part in enumerate(canvas.wrap(paragraph, body_font, canvas.mm(170))):
                indent = canvas.mm(10) if k == 0 else 0
                canvas.line(part, body_font, canvas.mm(25) + indent, 0, y, center=False)
                y += round(body_font.size * 1.5)
                if y > canvas.image.height - canvas.mm(70):
                    break
        y += canvas.mm(3)
    return canvas.image, {
        "number_box": number_box,
        "left_bottom": left_bottom,
        "header_bottom": header_bottom,
        "signature_y": y,
        "right_column": (rx0, rx1),
    }


def _signature(canvas: _Canvas, recipients: list[str], sign: list[str], y: int) -> int:
    y = min(y + canvas.mm(4), canvas.image.height - canvas.mm(75))
    font = _font("DejaVuSerif.ttf", canvas.pt(10.5))
    bold = _font("DejaVuSerif-Bold.ttf", canvas.pt(12.5))
    ry = y
    for line in recipients:
        canvas.line(line, font, canvas.mm(25), 0, ry, center=False)
        ry += round(font.size * 1.4)
    sy = y
    for line in sign[:-1]:
        canvas.line(line, bold, canvas.mm(110), canvas.mm(190), sy)
        sy += round(bold.size * 1.5)
    if sign:
        canvas.line(sign[-1], bold, canvas.mm(110), canvas.mm(190), sy + canvas.mm(24))
    return sy


# --- stamps ------------------------------------------------------------------------------------


def stamp_image(spec: StampSpec, dpi: int, rng: random.Random) -> Image.Image:
    """The stamp as an ink mask ("L", 255 = full ink), turned by ``spec.angle``."""
    px_mm = dpi / 25.4
    cap = (4.2 if spec.kind != "other" else 2.6) * rng.uniform(0.85, 1.2)  # letter height, mm
    font = _font("DejaVuSans-Bold.ttf", max(8, round(cap * px_mm * 1.35)))
    small = _font("DejaVuSans.ttf", max(7, round(cap * px_mm * 1.1)))
    fonts = [font] + [small] * (len(spec.lines) - 1) if spec.kind == "other" else [font] * 9
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    widths = [round(probe.textlength(t, font=f)) for t, f in zip(spec.lines, fonts, strict=False)]
    pad = round(px_mm * rng.uniform(1.6, 2.8))
    gap = round(font.size * 0.35)
    heights = [f.size for f in fonts[: len(spec.lines)]]
    w = max(widths) + 2 * pad
    h = sum(heights) + gap * (len(spec.lines) - 1) + 2 * pad
    border = max(2, round(px_mm * rng.uniform(0.35, 0.7)))
    margin = border * 3
    mask = Image.new("L", (w + 2 * margin, h + 2 * margin), 0)
    draw = ImageDraw.Draw(mask)
    y = margin + pad - round(heights[0] * 0.12)
    for text, f, tw in zip(spec.lines, fonts, widths, strict=False):
        x = margin + (w - tw) // 2 if spec.kind != "other" else margin + pad
        draw.text((x, y), text, fill=255, font=f)
        y += f.size + gap
    if spec.boxed:
        draw.rectangle((margin, margin, margin + w, margin + h), outline=255, width=border)
        if rng.random() < 0.2:
            inner = border * 2 + 1
            draw.rectangle((margin + inner, margin + inner, margin + w - inner, margin + h - inner),
                           outline=255, width=max(1, border // 2))  # fmt: skip
    mask = mask.rotate(spec.angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=0)
    return _ink_texture(mask, spec.faint, dpi, rng)


def _ink_texture(mask: Image.Image, faint: bool, dpi: int, rng: random.Random) -> Image.Image:
    """Rubber-stamp ink: uneven coverage, blotchy gaps, sometimes bleeding, faint or strong."""
    arr = np.asarray(mask, dtype=np.float32) / 255.0
    seed = rng.randrange(2**31)
    noise_rng = np.random.default_rng(seed)
    blotch = max(2, dpi // 40)
    small = noise_rng.random((arr.shape[0] // blotch + 1, arr.shape[1] // blotch + 1))
    coarse = np.kron(small, np.ones((blotch, blotch)))[: arr.shape[0], : arr.shape[1]]
    coverage = np.clip(0.55 + 0.9 * coarse, 0, 1)  # some strokes thin out, a few break
    if rng.random() < 0.35:  # ink bleed
        bled = Image.fromarray((arr * 255).astype(np.uint8)).filter(ImageFilter.MaxFilter(3))
        arr = np.maximum(arr, np.asarray(bled, dtype=np.float32) / 255.0 * 0.7)
    strength = rng.uniform(0.55, 0.7) if faint else rng.uniform(0.85, 1.0)
    out = arr * coverage * strength
    out = np.asarray(
        Image.fromarray((np.clip(out, 0, 1) * 255).astype(np.uint8)).filter(
            ImageFilter.GaussianBlur(radius=max(0.4, dpi / 300))
        )
    )
    return Image.fromarray(out)


def apply_ink(page: Image.Image, mask: Image.Image, xy: tuple[int, int], ink: tuple[int, int, int]
              ) -> None:  # fmt: skip
    """Multiplies the ink into the page (a stamp darkens what is under it, like real ink)."""
    x, y = xy
    w, h = mask.size
    x, y = max(0, min(x, page.width - w)), max(0, min(y, page.height - h))
    region = np.asarray(page.crop((x, y, x + w, y + h)), dtype=np.float32)
    alpha = np.asarray(mask, dtype=np.float32)[..., None] / 255.0
    colour = np.array(ink, dtype=np.float32)[None, None, :]
    mixed = region * (1 - alpha) + region * (colour / 255.0) * alpha
    page.paste(Image.fromarray(mixed.clip(0, 255).astype(np.uint8)), (x, y))


def round_seal(dpi: int, rng: random.Random, name: str = "ỦY BAN NHÂN DÂN") -> Image.Image:
    """The signer's round red seal: two rings, a star, the body's name around (ink mask)."""
    px_mm = dpi / 25.4
    r = round(px_mm * rng.uniform(17, 20))
    size = 2 * r + 8
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    c = size // 2
    width = max(2, round(px_mm * 0.6))
    draw.ellipse((c - r, c - r, c + r, c + r), outline=255, width=width)
    ri = round(r * 0.62)
    draw.ellipse((c - ri, c - ri, c + ri, c + ri), outline=255, width=max(1, width // 2))
    star = [
        (c + ri * 0.7 * math.cos(math.pi / 2 + k * 4 * math.pi / 5),
         c - ri * 0.7 * math.sin(math.pi / 2 + k * 4 * math.pi / 5))
        for k in range(5)
    ]  # fmt: skip
    draw.polygon(star, fill=255)
    font = _font("DejaVuSans-Bold.ttf", max(7, round(px_mm * 2.6)))
    for k, ch in enumerate(name):
        angle = math.pi * (1.15 - 1.3 * k / max(1, len(name) - 1))
        x = c + (r + ri) / 2 * math.cos(angle)
        y = c - (r + ri) / 2 * math.sin(angle)
        draw.text((x, y), ch, fill=255, font=font, anchor="mm")
    return _ink_texture(mask, False, dpi, rng)


def _signature_scribble(page: Image.Image, x: int, y: int, dpi: int, rng: random.Random) -> None:
    draw = ImageDraw.Draw(page)
    points = [(x + k * dpi // 12, y + round(rng.uniform(-1, 1) * dpi / 10)) for k in range(9)]
    draw.line(points, fill=(30, 40, 120), width=max(2, dpi // 100), joint="curve")


def incoming_stamp(rng: random.Random) -> StampSpec:
    number = rng.randint(100, 19999)
    day = f"{rng.randint(1, 28)}/{rng.randint(1, 12)}/{rng.randint(2018, 2026)}"
    lines = (
        rng.choice(("VĂN PHÒNG TỈNH ỦY", "SỞ NỘI VỤ LÀO CAI", "UBND TỈNH LÀO CAI")),
        f"ĐẾN  Số: {number}",
        f"Ngày: {day}",
        "Chuyển: ..........",
    )
    ink = rng.choice(("red", "red", "violet", "blue"))
    return StampSpec("other", None, lines, rng.uniform(-4, 4), rng.random() < 0.2, True,
                     "under_number", ink)  # fmt: skip


def _place(spec: StampSpec, mask: Image.Image, layout: dict, page: Image.Image, dpi: int,
           rng: random.Random, below: int) -> tuple[int, int]:  # fmt: skip
    px_mm = dpi / 25.4
    if spec.place == "top_right":
        return (
            page.width - mask.width - round(px_mm * rng.uniform(8, 25)),
            round(px_mm * rng.uniform(1, 5)),
        )
    x0, _, x1, _ = layout["number_box"]
    centre = (x0 + x1) // 2 + round(px_mm * rng.uniform(-8, 8))
    top = max(layout["left_bottom"] - round(px_mm * 3), below)
    return centre - mask.width // 2, top + round(px_mm * rng.uniform(0, 3))


# --- scanning ----------------------------------------------------------------------------------


def scan(page: Image.Image, mode: str, dpi: int, rng: random.Random) -> Image.Image:
    """What a scanner gives back: a little skew, noise, then colour, grayscale or bitonal."""
    skew = rng.uniform(-0.8, 0.8)
    page = page.rotate(skew, resample=Image.Resampling.BILINEAR, fillcolor=(255, 255, 255))
    arr = np.asarray(page, dtype=np.float32)
    noise_rng = np.random.default_rng(rng.randrange(2**31))
    arr = arr * rng.uniform(0.93, 1.0) + rng.uniform(0, 10)  # paper tone
    arr += noise_rng.normal(0, rng.uniform(2, 7), arr.shape[:2])[..., None]
    page = Image.fromarray(arr.clip(0, 255).astype(np.uint8))
    if mode == "color":
        return page
    gray = page.convert("L")
    if mode == "gray":
        return gray
    threshold = rng.randint(170, 190)  # scanner's bitonal threshold, after its own smoothing
    smooth = gray.filter(ImageFilter.GaussianBlur(radius=dpi / 400))
    return smooth.point(lambda v: 255 if v > threshold else 0, mode="1")


def encode(image: Image.Image, fmt: str, dpi: int) -> bytes:
    """A PDF without a text layer (one image per page) or a PNG, JPEG or TIFF file."""
    out = io.BytesIO()
    if fmt == "pdf":
        if image.mode == "1":
            image.save(out, format="PDF", resolution=dpi)
        else:
            image.save(out, format="PDF", resolution=dpi, quality=85)
    elif fmt == "jpeg":
        image.convert("L" if image.mode == "1" else image.mode).save(
            out, format="JPEG", quality=85, dpi=(dpi, dpi)
        )
    elif fmt == "tiff":
        image.save(out, format="TIFF", compression="group4" if image.mode == "1" else "tiff_lzw",
                   dpi=(dpi, dpi))  # fmt: skip
    else:
        image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


# --- whole scans -------------------------------------------------------------------------------


def make_scan(truth: dict, text: str, stamps: list[StampSpec], mode: str, dpi: int, fmt: str,
              seal: bool, rng: random.Random) -> tuple[bytes, Image.Image, list[dict]]:  # fmt: skip
    """One page: draw, stamp, seal, scan, encode. Returns the file, the page and the stamp boxes."""
    masks = [stamp_image(spec, dpi, rng) for spec in stamps]
    room = sum(m.height for m, s in zip(masks, stamps, strict=True) if s.place == "under_number")
    page, layout = compose_page(truth, text, dpi, round(room * rng.uniform(0.55, 1.0)))
    placed: list[dict] = []
    below = 0
    for spec, mask in zip(stamps, masks, strict=True):
        x, y = _place(spec, mask, layout, page, dpi, rng, below)
        x = max(0, min(x, page.width - mask.width))
        apply_ink(page, mask, (x, y), INKS[spec.ink])
        if spec.place == "under_number":
            below = y + mask.height
        placed.append({
            "kind": spec.kind, "value": spec.value, "text": " ".join(spec.lines),
            "angle": round(spec.angle, 1), "faint": spec.faint, "boxed": spec.boxed,
            "place": spec.place, "ink": spec.ink,
            "box": [round(x / page.width, 3), round(y / page.height, 3),
                    round((x + mask.width) / page.width, 3),
                    round((y + mask.height) / page.height, 3)],
        })  # fmt: skip
    if seal:
        mask = round_seal(dpi, rng)
        sx = round(page.width * 0.62) + round(rng.uniform(-1, 1) * dpi / 5)
        sy = min(layout["signature_y"] - mask.height // 3, page.height - mask.height - 10)
        _signature_scribble(page, sx + mask.width // 3, sy + mask.height // 2, dpi, rng)
        apply_ink(page, mask, (sx, sy), INKS["red"])
    scanned = scan(page, mode, dpi, rng)
    return encode(scanned, fmt, dpi), scanned, placed


def _texts(count: int, seed: int) -> list[tuple[dict, str]]:
    """Header texts from ``ingest.samples``: Party and state layouts about one in three each."""
    pool = samples.generate(max(30, count * 4), seed=seed, formats=("txt",))
    party = [(d.truth, d.content.decode()) for d in pool if d.truth["kind"] == "party"]
    state = [(d.truth, d.content.decode()) for d in pool if d.truth["kind"] == "state"]
    out = []
    for i in range(count):
        if state and i % 3 == 2:
            out.append(state[(i // 3) % len(state)])
        else:
            out.append(party[(i - i // 3) % len(party)])
    return out


def generate(
    count: int = 24,
    seed: int = 12,
    *,
    levels: tuple[str, ...] = ("mat", "toi_mat", "tuyet_mat"),
    modes: tuple[str, ...] = MODES,
    dpis: tuple[int, ...] = DPIS,
    formats: tuple[str, ...] = ("pdf", "png"),
    ordinary: float = 0.25,
    max_angle: float = 20.0,
    keep_images: bool = False,
) -> list[StampedScan]:
    """``count`` scans cycling through levels, modes and dpis; a share ``ordinary`` has no
    secrecy stamp (bare, incoming stamp only, seal only). Deterministic for a seed."""
    rng = random.Random(seed)
    out: list[StampedScan] = []
    for i, (base, text) in enumerate(_texts(count, seed)):
        truth = dict(base)
        mode, dpi = modes[i % len(modes)], dpis[(i // len(modes)) % len(dpis)]
        fmt = formats[i % len(formats)]
        is_ordinary = rng.random() < ordinary
        stamps: list[StampSpec] = []
        level = "thuong" if is_ordinary else levels[i % len(levels)]
        urgency = "thuong"
        angle = _angle(rng, max_angle)
        if level != "thuong":
            place = "top_right" if rng.random() < 0.2 else "under_number"
            stamps.append(StampSpec("level", level, (LEVEL_TEXT[level],), angle,
                                    rng.random() < 0.3, True, place))  # fmt: skip
        if rng.random() < 0.3:
            urgency = rng.choice(("khan", "thuong_khan", "hoa_toc", "hoa_toc"))
            stamps.append(StampSpec("urgency", urgency, (URGENCY_TEXT[urgency],),
                                    _angle(rng, max_angle), rng.random() < 0.2,
                                    rng.random() < 0.75))  # fmt: skip
        if is_ordinary and rng.random() < 0.5:
            stamps.append(incoming_stamp(rng))
        seal = rng.random() < (0.8 if is_ordinary else 0.4)
        data, image, placed = make_scan(truth, text, stamps, mode, dpi, fmt, seal, rng)
        truth.update(
            level=level, urgency=urgency, stamps=placed, mode=mode, dpi=dpi, seal=seal,
            format="scan", file=f"scan-{i:04d}-{level}-{mode}-{dpi}.{fmt}",
        )  # fmt: skip
        out.append(StampedScan(truth["file"], data, truth, image if keep_images else None))
    return out


def _angle(rng: random.Random, max_angle: float) -> float:
    """Mostly a few degrees, often up to the maximum, either way."""
    if rng.random() < 0.4:
        return rng.uniform(-3, 3)
    return rng.choice((-1, 1)) * rng.uniform(3, max_angle)


# --- unreadable text layers ----------------------------------------------------------------------


def mojibake(text: str) -> str:
    """Text as an e-signed PDF with a legacy-mapped font extracts it: capitals shifted to
    digits and signs ("TỈNH" → "7ӌ1+"), marked letters in the Cyrillic block."""
    out = []
    for ch in text:
        if ch.isascii() and ch.isupper() and ch in "THNGCDIU":
            out.append(chr(ord(ch) - 29))
        elif not ch.isascii() and ch.isalpha():
            out.append(chr(0x0460 + ord(ch) % 0x90))
        else:
            out.append(ch)
    return "".join(out)


def poor_ocr(text: str, seed: int = 1) -> str:
    """Somebody else's bad OCR layer: marks lost, case mixed, letters read as digits."""
    rng = random.Random(seed)
    folded = "".join(
        c for c in unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
        if not unicodedata.combining(c)
    )  # fmt: skip
    swaps = {"a": "4", "o": "0", "e": "€", "i": "l", "u": "tr", "c": "e"}
    out = []
    for ch in folded:
        roll = rng.random()
        if ch.lower() in swaps and roll < 0.25:
            out.append(swaps[ch.lower()])
        elif ch.isalpha() and roll < 0.5:
            out.append(ch.swapcase())
        else:
            out.append(ch)
    return "".join(out)


def pdf_with_layer(image: Image.Image, dpi: int, layer: str) -> bytes:
    """A one-page PDF of a scanned page carrying an invisible text layer (``layer``), as scans
    come when somebody else ran OCR on them, or e-signed files with a garbled font mapping."""
    from fpdf import FPDF
    from fpdf.enums import TextMode

    width_mm, height_mm = image.width * 25.4 / dpi, image.height * 25.4 / dpi
    pdf = FPDF(unit="mm", format=(width_mm, height_mm))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.image(image.convert("RGB"), 0, 0, width_mm, height_mm)
    pdf.add_font("kho", "", FONT_DIR + "DejaVuSans.ttf")
    pdf.set_font("kho", size=10)
    pdf.text_mode = TextMode.INVISIBLE
    for i, line in enumerate(layer.splitlines()[:60]):
        pdf.text(15, 15 + i * 4.5, line)
    return bytes(pdf.output())
