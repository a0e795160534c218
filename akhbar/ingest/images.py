"""Turn fetched image bytes into akhbar's own re-encoded, metadata-free renditions.

Readers' browsers never load images from the outlets (hotlink protection breaks them and
readers' IPs would leak), so each article's lead image is fetched once and stored as WebP and
progressive JPEG renditions at a few widths. This module is the pure step: bytes in, a
``ProcessedImage`` out, or an ``ImageError`` with a stable ``kind``.

Alongside the renditions it computes two fingerprints used by moderation:

* ``phash`` — the DCT perceptual hash of Zauner (pHash), as in the ``imagehash`` library:
  grayscale, LANCZOS-resized to 32x32, 2-D DCT-II, the 8x8 lowest frequencies compared with
  their median, 64 bits written as 16 hex characters (first coefficient = most significant
  bit). Written in plain Python (about 10k multiplications): no numpy or scipy dependency.
  Resizing and re-encoding move it by a few bits; unrelated pictures differ by ~32.
* ``detail`` — how much picture there is, in [0, 1]: the grayscale tonal entropy (normalised)
  times an edge-energy factor, both on a small thumbnail. Flat fills, placeholders, smooth
  gradients and simple logos score below ``LOW_DETAIL``; photographs score well above it. Their
  perceptual hashes are degenerate or shared by many unrelated images, so a block on one of them
  must never spread to "similar" images.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageChops, ImageCms, ImageOps, UnidentifiedImageError

from akhbar.ingest.errors import ImageError

__all__ = [
    "ACCEPTED_FORMATS",
    "LOW_DETAIL",
    "ImageError",
    "ProcessedImage",
    "Rendition",
    "hamming",
    "process_image",
]

# Formats we decode. Everything else Pillow knows (EPS runs Ghostscript on load, TIFF/PSD/ICO…
# are big attack surfaces and never a news lead image) is refused as "unsupported".
ACCEPTED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "GIF", "WEBP", "AVIF", "BMP")

# Below this ``detail`` an image is a flat fill, a placeholder or a simple logo: never let a block
# on it spread by perceptual-hash similarity. Measured: flat fills and smooth gradients 0.0,
# two-colour and text logos 0.05–0.06, diagrams/screenshots 0.27–0.40, generated photo-like
# images 0.73–0.84, camera photos 0.65–0.85.
LOW_DETAIL = 0.25

# ISO-BMFF brands of image formats Pillow cannot decode (HEIC/HEIF), to say "unsupported" rather
# than "not_an_image" for iPhone uploads.
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")
_JXL_SIGNATURES = (b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n")

_WHITE = (255, 255, 255)
_HASH_SIZE = 8  # 8x8 low frequencies -> 64 bits
_HASH_SAMPLE = 32  # side of the grayscale square the DCT runs on
_DETAIL_SIDE = 128  # thumbnail side for the detail measure
_ENTROPY_BINS = 32
# Two neighbouring thumbnail pixels differing by more than this (of 255) make an edge; the edge
# factor saturates when this share of neighbour pairs are edges (photos: 0.08–0.55 on the
# 128-px thumbnail; a two-colour logo 0.01–0.05; a smooth gradient 0).
_EDGE_STEP = 8
_EDGE_SHARE_FULL = 0.08


@dataclass(frozen=True)
class Rendition:
    """One stored encoding of an image at one width."""

    width: int
    height: int
    format: str  # "webp" | "jpeg"
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class ProcessedImage:
    """What akhbar stores for one fetched image: fingerprints and re-encoded renditions."""

    width: int  # of the original, after EXIF orientation
    height: int
    sha256: str  # hex digest of the original bytes as fetched
    phash: str  # 64-bit DCT perceptual hash, 16 hex characters
    detail: float  # 0 (flat) … 1 (busy photo); see LOW_DETAIL
    renditions: tuple[Rendition, ...]  # by width ascending, webp before jpeg at each width


def process_image(
    content: bytes,
    *,
    widths: Sequence[int] = (320, 640, 1200),
    min_side: int = 80,
    max_pixels: int = 40_000_000,
    jpeg_quality: int = 82,
    webp_quality: int = 80,
) -> ProcessedImage:
    """Verify, decode, orient, flatten and re-encode ``content`` into WebP and JPEG renditions."""
    if not widths or any(w <= 0 for w in widths):
        raise ValueError(f"widths must be positive, got {widths!r}")
    if not content:
        raise ImageError("empty body", kind="not_an_image")

    header_size, fmt = _check_header(content, min_side=min_side, max_pixels=max_pixels)

    try:
        # Reopen: verify() leaves the probe unusable. Same formats list, so the same plugin
        # (camera JPEGs with several pictures open as "MPO", which is not an opener name).
        image = Image.open(io.BytesIO(content), formats=ACCEPTED_FORMATS)
    except Exception as exc:  # it identified a moment ago; anything else is corruption
        raise ImageError(f"cannot reopen {fmt}: {exc}", kind="not_an_image") from exc
    try:
        if fmt in ("JPEG", "MPO"):
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the largest rendition allows it:
            # a 4000x3000 camera JPEG then decodes 4x faster. Both sides stay >= the target so
            # either can become the width after EXIF rotation (not known before decoding).
            longest = max(header_size)
            largest = max((w for w in widths if w <= longest), default=longest)
            image.draft("RGB", (largest, largest))
        raw_size = image.size
        try:
            image.load()  # first frame only for animated GIF / WebP / APNG
        except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as exc:
            raise ImageError(f"cannot decode {fmt}: {exc}", kind="not_an_image") from exc
        work = _to_srgb_rgb(_orient(image))
    finally:
        image.close()

    swapped = raw_size[0] != raw_size[1] and work.size == (raw_size[1], raw_size[0])
    width, height = (header_size[1], header_size[0]) if swapped else header_size
    # Never upscale; an image narrower than every configured width keeps its own width.
    targets = sorted({w for w in widths if w <= width}) or [width]

    renditions: list[Rendition] = []
    source = work
    for target in reversed(targets):
        size = (target, max(1, round(height * target / width)))
        # Each smaller rendition is resized from the previous one (1600→1200→640→320): about
        # twice as fast as resizing everything from the original, no visible difference.
        scaled = source if source.size == size else source.resize(size, Image.Resampling.LANCZOS)
        scaled.info.clear()  # belt and braces: encoders only write what we pass, pass nothing
        renditions.append(Rendition(size[0], size[1], "jpeg", _encode_jpeg(scaled, jpeg_quality)))
        renditions.append(Rendition(size[0], size[1], "webp", _encode_webp(scaled, webp_quality)))
        source = scaled
    renditions.reverse()  # by width ascending, webp before jpeg

    gray = work.convert("L")
    return ProcessedImage(
        width=width,
        height=height,
        sha256=hashlib.sha256(content).hexdigest(),
        phash=_phash(gray),
        detail=_detail(gray),
        renditions=tuple(renditions),
    )


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hex perceptual hashes of the same length."""
    if len(a) != len(b):
        raise ValueError(f"hashes differ in length: {len(a)} vs {len(b)}")
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _check_header(content: bytes, *, min_side: int, max_pixels: int) -> tuple[tuple[int, int], str]:
    """Identify the format and size from the header only, then verify the file's structure."""
    try:
        # Image.open reads the header only; pixel data is not decoded until load().
        probe = Image.open(io.BytesIO(content), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own global guard fired first (an error over 2x MAX_IMAGE_PIXELS, a warning
        # over it, raised only where warnings are errors): same verdict as ours.
        raise ImageError(str(exc), kind="too_large") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        if _is_other_image_format(content):
            raise ImageError("image format not supported", kind="unsupported") from exc
        raise ImageError("not a recognised image", kind="not_an_image") from exc
    with probe:
        fmt = str(probe.format)
        size = probe.size
        # Our own per-call pixel budget, checked before any decoding (Image.MAX_IMAGE_PIXELS is
        # process-wide state: we neither read nor change it).
        if size[0] * size[1] > max_pixels:
            raise ImageError(
                f"{size[0]}x{size[1]} is over {max_pixels} pixels", kind="too_large"
            )
        if min(size) < min_side:
            raise ImageError(f"{size[0]}x{size[1]} is under {min_side} px", kind="too_small")
        try:
            probe.verify()  # structure/CRC checks without decoding pixels (PNG chunks, GIF…)
        except Exception as exc:  # Pillow raises many types here (struct.error, SyntaxError…)
            raise ImageError(f"corrupt {fmt}: {exc}", kind="not_an_image") from exc
    return size, fmt


def _is_other_image_format(content: bytes) -> bool:
    """True when the bytes are an image, but in a format we do not accept."""
    if content[4:8] == b"ftyp" and content[8:12] in _HEIF_BRANDS:
        return True
    if content.startswith(_JXL_SIGNATURES):
        return True
    try:
        # Header parsers only (no load()): EPS' Ghostscript and friends are never run.
        with Image.open(io.BytesIO(content)):
            return True
    except Exception:  # anything Pillow cannot identify, or any parser failure
        return False


def _orient(image: Image.Image) -> Image.Image:
    """Apply the EXIF (or XMP) orientation, ignoring malformed metadata."""
    try:
        oriented = ImageOps.exif_transpose(image)
    except Exception:  # broken EXIF must not lose an otherwise good picture
        oriented = None
    # Always a new image: the caller closes the decoded file.
    return oriented if oriented is not None else image.copy()


def _to_srgb_rgb(image: Image.Image) -> Image.Image:
    """Convert to 8-bit sRGB RGB: apply an embedded ICC profile, flatten transparency on white."""
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "RGBA", "CMYK"):
        # Metadata is stripped from the output, so colours must be converted, not just tagged.
        try:
            image = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                ImageCms.createProfile("sRGB"),
                outputMode="RGBA" if image.mode == "RGBA" else "RGB",
            ) or image
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: keep the raw values rather than fail
    has_alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
    try:
        if has_alpha:
            rgba = image.convert("RGBA")
            flat = Image.new("RGB", rgba.size, _WHITE)
            flat.paste(rgba, mask=rgba.getchannel("A"))
            return flat
        if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
            # 16-bit grayscale (PNG): scale 0–65535 to 0–255; a plain convert would clip at 255.
            high = image.getextrema()[1]
            sixteen = image.mode.startswith("I;16") or (isinstance(high, int | float) and high > 255)
            image = image.convert("I") if image.mode.startswith("I;16") else image
            image = image.point(lambda v: v * (1 / 257 if sixteen else 1)).convert("L")
        return image if image.mode == "RGB" else image.convert("RGB")
    except (ValueError, OSError) as exc:
        raise ImageError(f"image mode {image.mode} not supported", kind="unsupported") from exc


def _encode_webp(image: Image.Image, quality: int) -> bytes:
    """Encode as lossy WebP, no metadata."""
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=quality, method=4)
    return out.getvalue()


def _encode_jpeg(image: Image.Image, quality: int) -> bytes:
    """Encode as progressive, Huffman-optimised JPEG, no metadata."""
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, progressive=True, optimize=True)
    return out.getvalue()


def _phash(gray: Image.Image) -> str:
    """Zauner's DCT pHash (imagehash.phash's algorithm) as 16 hex characters."""
    n, k = _HASH_SAMPLE, _HASH_SIZE
    small = gray.resize((n, n), Image.Resampling.LANCZOS, reducing_gap=3.0)
    pixels = list(small.tobytes())
    rows = [pixels[i * n : (i + 1) * n] for i in range(n)]
    # Unnormalised DCT-II basis, only the k lowest frequencies are needed (separable 2-D DCT).
    basis = [[math.cos(math.pi * u * (2 * x + 1) / (2 * n)) for x in range(n)] for u in range(k)]
    row_dct = [[sum(b * p for b, p in zip(basis[u], row, strict=True)) for u in range(k)] for row in rows]
    coeffs = [
        sum(basis[v][y] * row_dct[y][u] for y in range(n)) for v in range(k) for u in range(k)
    ]
    median = sorted(coeffs)[len(coeffs) // 2 - 1 : len(coeffs) // 2 + 1]
    threshold = (median[0] + median[1]) / 2
    bits = 0
    for c in coeffs:
        bits = (bits << 1) | (c > threshold)
    return f"{bits:016x}"


def _detail(gray: Image.Image) -> float:
    """Tonal entropy (normalised) x edge-share factor on a thumbnail, in [0, 1]."""
    thumb = gray.copy()
    thumb.thumbnail((_DETAIL_SIDE, _DETAIL_SIDE), Image.Resampling.BOX)
    w, h = thumb.size
    if w < 2 or h < 2:
        return 0.0
    # Entropy of a 32-bin histogram over its maximum (5 bits): 0 for a flat fill, ~0.1–0.2 for
    # a two-colour logo, 0.6–0.9 for photographs.
    step = 256 // _ENTROPY_BINS
    hist = thumb.histogram()
    bins = [sum(hist[i : i + step]) for i in range(0, 256, step)]
    total = sum(bins)
    entropy = -sum(c / total * math.log2(c / total) for c in bins if c)
    tonal = entropy / math.log2(_ENTROPY_BINS)
    # Share of neighbouring pixel pairs that differ visibly: a smooth gradient has every tone but
    # no edges (entropy alone would call it detailed); JPEG ringing stays under the step.
    base = thumb.crop((0, 0, w - 1, h - 1))
    pairs = 0
    edges = 0
    for shifted in (thumb.crop((1, 0, w, h - 1)), thumb.crop((0, 1, w - 1, h))):
        diff = ImageChops.difference(base, shifted).histogram()
        edges += sum(diff[_EDGE_STEP + 1 :])
        pairs += sum(diff)
    structure = min(1.0, edges / pairs / _EDGE_SHARE_FULL)
    return round(max(0.0, tonal * structure), 4)
