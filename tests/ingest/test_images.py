"""Image processing: safe decoding, orientation, flattening, metadata stripping, renditions,
perceptual hash and detail. Every input image is generated here with Pillow at test time."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import time
import zlib
from dataclasses import FrozenInstanceError

import pytest
from PIL import ExifTags, Image, ImageDraw, ImageFilter

from akhbar.ingest.errors import ImageError, IngestError
from akhbar.ingest.images import LOW_DETAIL, ProcessedImage, Rendition, hamming, process_image

RED = (220, 20, 30)
BLUE = (20, 40, 200)


def photo_like(seed: int, size: tuple[int, int] = (640, 427)) -> Image.Image:
    """A deterministic photo-ish picture: gradient sky, overlapping shapes, blur and grain."""
    rng = random.Random(seed)
    w, h = size
    top = tuple(rng.randrange(256) for _ in range(3))
    bottom = tuple(rng.randrange(256) for _ in range(3))
    mask = Image.linear_gradient("L").resize(size)
    im = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)
    draw = ImageDraw.Draw(im)
    for _ in range(40):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        box = (x0, y0, x0 + rng.randrange(w // 20, w // 3), y0 + rng.randrange(h // 20, h // 3))
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    im = im.filter(ImageFilter.GaussianBlur(2))
    grain = Image.frombytes("L", size, rng.randbytes(w * h)).convert("RGB")
    return Image.blend(im, grain, 0.12)


def encode(im: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    out = io.BytesIO()
    im.save(out, format=fmt, **params)
    return out.getvalue()


def decode(rendition: Rendition) -> Image.Image:
    im = Image.open(io.BytesIO(rendition.content))
    im.load()
    return im


def close(a: tuple[int, ...], b: tuple[int, ...], tol: int = 24) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def kind_of(content: bytes, **params: object) -> str:
    with pytest.raises(ImageError) as info:
        process_image(content, **params)  # type: ignore[arg-type]
    assert isinstance(info.value, IngestError)
    return info.value.kind


def png_bytes(width: int, height: int) -> bytes:
    """A valid all-black 1-bit PNG of any size, built without allocating its pixels."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    packer = zlib.compressobj(1)
    rows_per_step = max(1, 4_000_000 // len(row))
    parts = []
    for start in range(0, height, rows_per_step):
        parts.append(packer.compress(row * min(rows_per_step, height - start)))
    parts.append(packer.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"".join(parts))
            + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def big_jpeg() -> bytes:
    return encode(photo_like(7, (1300, 867)), quality=90)


# --- renditions -------------------------------------------------------------------------------


def test_jpeg_gets_webp_and_progressive_jpeg_at_each_width(big_jpeg: bytes) -> None:
    result = process_image(big_jpeg)
    assert isinstance(result, ProcessedImage)
    assert (result.width, result.height) == (1300, 867)
    assert result.sha256 == hashlib.sha256(big_jpeg).hexdigest()
    assert [(r.width, r.height, r.format) for r in result.renditions] == [
        (320, 213, "webp"), (320, 213, "jpeg"),
        (640, 427, "webp"), (640, 427, "jpeg"),
        (1200, 800, "webp"), (1200, 800, "jpeg"),
    ]
    for rendition in result.renditions:
        if rendition.format == "webp":
            assert rendition.content[:4] == b"RIFF" and rendition.content[8:12] == b"WEBP"
        else:
            assert rendition.content[:3] == b"\xff\xd8\xff"
            assert b"\xff\xc2" in rendition.content  # SOF2: progressive DCT
            assert decode(rendition).info.get("progressive")
        im = decode(rendition)
        assert im.size == (rendition.width, rendition.height) and im.mode == "RGB"
    # The pictures are the same picture: a rendition looks like the original.
    assert hamming(process_image(result.renditions[-1].content).phash, result.phash) <= 4
    with pytest.raises(FrozenInstanceError):
        result.width = 1  # type: ignore[misc]
    assert "content" not in repr(result.renditions[0])  # no megabytes in logs


def test_no_upscaling_and_small_images_keep_their_width() -> None:
    medium = process_image(encode(photo_like(1, (700, 350)), "PNG"))
    assert sorted({(r.width, r.height) for r in medium.renditions}) == [(320, 160), (640, 320)]
    small = process_image(encode(photo_like(2, (200, 150))))
    assert [(r.width, r.height, r.format) for r in small.renditions] == [
        (200, 150, "webp"), (200, 150, "jpeg")
    ]
    custom = process_image(encode(photo_like(3, (500, 500))), widths=(480, 100, 480))
    assert [r.width for r in custom.renditions] == [100, 100, 480, 480]


def test_png_alpha_is_flattened_on_white() -> None:
    im = Image.new("RGBA", (300, 200), (0, 0, 0, 0))  # transparent black on the left
    im.paste(Image.new("RGBA", (150, 200), (*RED, 255)), (150, 0))
    result = process_image(encode(im, "PNG"))
    for rendition in result.renditions:
        out = decode(rendition)
        assert out.mode == "RGB"
        assert close(out.getpixel((20, 100)), (255, 255, 255))  # type: ignore[arg-type]
        assert close(out.getpixel((280, 100)), RED)  # type: ignore[arg-type]


def test_palette_png_with_transparent_index_is_flattened_on_white() -> None:
    im = Image.new("P", (200, 100), 0)
    im.putpalette([0, 0, 0, *BLUE] + [0] * 762)
    im.paste(1, (100, 0, 200, 100))
    out = decode(process_image(encode(im, "PNG", transparency=0)).renditions[1])
    assert close(out.getpixel((10, 50)), (255, 255, 255))  # type: ignore[arg-type]
    assert close(out.getpixel((190, 50)), BLUE)  # type: ignore[arg-type]


def test_animated_gif_uses_the_first_frame() -> None:
    frames = [Image.new("RGB", (240, 160), c) for c in (RED, (20, 200, 40), BLUE)]
    gif = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert getattr(Image.open(io.BytesIO(gif)), "n_frames", 1) == 3
    result = process_image(gif)
    assert (result.width, result.height) == (240, 160)
    for rendition in result.renditions:
        assert close(decode(rendition).getpixel((120, 80)), RED, tol=30)  # type: ignore[arg-type]


def test_webp_input() -> None:
    result = process_image(encode(photo_like(4, (700, 467)), "WEBP", quality=85))
    assert [r.width for r in result.renditions] == [320, 320, 640, 640]


def test_cmyk_jpeg_and_16_bit_grey_png_come_out_as_rgb() -> None:
    cmyk = Image.new("CMYK", (200, 120), (0, 255, 255, 0))  # pure red ink
    out = decode(process_image(encode(cmyk, quality=95)).renditions[1])
    assert out.mode == "RGB"
    r, g, b = out.getpixel((100, 60))  # type: ignore[misc]
    assert r > 200 and g < 60 and b < 60
    grey16 = Image.new("I;16", (200, 120), 32768)  # mid grey on a 16-bit scale
    out = decode(process_image(encode(grey16, "PNG")).renditions[0])
    assert close(out.getpixel((100, 60)), (128, 128, 128), tol=6)  # type: ignore[arg-type]


def test_exif_orientation_is_applied_and_all_metadata_stripped() -> None:
    # Stored landscape, red on top and blue below; EXIF orientation 6 says "rotate 90° clockwise
    # to display", which puts red on the right. GPS coordinates must not survive.
    raw = Image.new("RGB", (800, 400), BLUE)
    raw.paste(Image.new("RGB", (800, 200), RED), (0, 0))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "AkhbarCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (33.0, 35.0, 17.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (7.0, 36.0, 43.0)
    content = encode(raw, quality=90, exif=exif, comment=b"secret newsroom note")
    assert Image.open(io.BytesIO(content)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # sanity
    assert b"AkhbarCam" in content

    result = process_image(content)
    assert (result.width, result.height) == (400, 800)
    assert [(r.width, r.height) for r in result.renditions] == [(320, 640), (320, 640)]
    for rendition in result.renditions:
        out = decode(rendition)
        assert close(out.getpixel((300, 320)), RED)  # type: ignore[arg-type]
        assert close(out.getpixel((20, 320)), BLUE)  # type: ignore[arg-type]
        assert not out.getexif() and "exif" not in out.info and "icc_profile" not in out.info
        assert "comment" not in out.info and "xmp" not in out.info
        for secret in (b"Exif", b"AkhbarCam", b"secret newsroom"):
            assert secret not in rendition.content


def test_camera_sized_jpeg_rotated_by_exif_decodes_reduced_but_reports_full_size() -> None:
    # 3000x2500 stored, orientation 6: libjpeg may decode at half scale (1500x1250), which still
    # covers the 1200 rendition; the reported size is the full oriented one.
    raw = Image.new("RGB", (3000, 2500), BLUE)
    raw.paste(Image.new("RGB", (3000, 1250), RED), (0, 0))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    result = process_image(encode(raw, quality=80, exif=exif))
    assert (result.width, result.height) == (2500, 3000)
    assert [(r.width, r.height) for r in result.renditions[::2]] == [
        (320, 384), (640, 768), (1200, 1440)
    ]
    out = decode(result.renditions[-1])
    assert close(out.getpixel((1100, 700)), RED)  # type: ignore[arg-type]
    assert close(out.getpixel((100, 700)), BLUE)  # type: ignore[arg-type]


def test_multi_picture_camera_jpeg_mpo() -> None:
    first, second = Image.new("RGB", (400, 300), RED), Image.new("RGB", (400, 300), BLUE)
    content = encode(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(content)).format == "MPO"
    result = process_image(content)
    assert [r.width for r in result.renditions] == [320, 320]
    assert close(decode(result.renditions[1]).getpixel((160, 120)), RED)  # type: ignore[arg-type]


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(1, 1), (79, 400), (400, 60)])
def test_tracking_pixels_and_icons_are_too_small(size: tuple[int, int]) -> None:
    assert kind_of(encode(Image.new("RGB", size, RED), "PNG")) == "too_small"


def test_min_side_is_a_parameter() -> None:
    content = encode(Image.new("RGB", (60, 60), RED), "GIF")
    assert kind_of(content) == "too_small"
    assert process_image(content, min_side=32).width == 60


@pytest.mark.parametrize(
    "content",
    [
        b"<!doctype html><html><head><title>404 Introuvable</title></head><body>Non</body></html>",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">'
        b'<rect width="800" height="600" fill="red"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="5"/></svg>',
        b"",
        b"GIF89a",  # a bare signature
        b'{"error": "hotlinking not allowed"}',
    ],
)
def test_markup_and_garbage_are_not_images(content: bytes) -> None:
    assert kind_of(content) == "not_an_image"


def test_truncated_and_corrupt_images_are_not_images() -> None:
    jpeg = encode(photo_like(5, (400, 300)), quality=90)
    assert kind_of(jpeg[: len(jpeg) // 3]) == "not_an_image"
    png = bytearray(encode(photo_like(5, (400, 300)), "PNG"))
    png[len(png) // 2] ^= 0xFF  # breaks an IDAT CRC
    assert kind_of(bytes(png)) == "not_an_image"


def test_images_in_formats_we_do_not_decode_are_unsupported() -> None:
    assert kind_of(encode(photo_like(6, (300, 200)), "TIFF")) == "unsupported"
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200
    assert kind_of(heic) == "unsupported"


def test_decompression_bomb_is_refused_from_the_header() -> None:
    bomb = png_bytes(20_000, 20_000)  # 400 megapixels in ~200 KB
    start = time.perf_counter()
    assert kind_of(bomb) == "too_large"
    assert time.perf_counter() - start < 0.5  # decoding it would take seconds and gigabytes


def test_pixel_budget_is_per_call_and_leaves_pillow_global_alone() -> None:
    before = Image.MAX_IMAGE_PIXELS
    # 50 MP is under Pillow's own default limit (~89 MP): only our budget refuses it.
    assert kind_of(png_bytes(10_000, 5_000)) == "too_large"
    small = png_bytes(1_000, 1_000)
    assert kind_of(small, max_pixels=500_000) == "too_large"
    assert process_image(small).width == 1_000
    assert Image.MAX_IMAGE_PIXELS == before


def test_widths_must_be_positive() -> None:
    with pytest.raises(ValueError):
        process_image(b"irrelevant", widths=())
    with pytest.raises(ValueError):
        process_image(b"irrelevant", widths=(320, 0))


# --- perceptual hash and detail ---------------------------------------------------------------


def test_phash_survives_resizing_and_reencoding_but_separates_different_pictures() -> None:
    pictures = [photo_like(seed) for seed in (11, 12, 13, 14)]
    hashes = [process_image(encode(p, quality=90)).phash for p in pictures]
    assert all(len(h) == 16 and int(h, 16) >= 0 for h in hashes)
    original = pictures[0]
    variants = [
        encode(original, quality=35),
        encode(original.resize((400, 267), Image.Resampling.BICUBIC), quality=70),
        encode(original.resize((1100, 734), Image.Resampling.LANCZOS), "WEBP", quality=60),
        encode(original, "PNG"),
    ]
    for variant in variants:
        assert hamming(process_image(variant).phash, hashes[0]) <= 6
    for i in range(len(hashes)):
        for j in range(i + 1, len(hashes)):
            assert hamming(hashes[i], hashes[j]) >= 20, (i, j)


def test_hamming() -> None:
    assert hamming("0000000000000000", "0000000000000000") == 0
    assert hamming("ffffffffffffffff", "0000000000000000") == 64
    assert hamming("8000000000000001", "0000000000000000") == 2
    with pytest.raises(ValueError):
        hamming("ff", "fff")


def test_flat_images_and_logos_have_low_detail_photos_high() -> None:
    flat = Image.new("RGB", (600, 400), (200, 200, 195))
    logo = Image.new("RGB", (600, 400), "white")
    draw = ImageDraw.Draw(logo)
    draw.ellipse((220, 80, 380, 240), fill=(0, 80, 160))
    draw.rectangle((120, 290, 480, 330), fill=(0, 80, 160))
    placeholder = Image.linear_gradient("L").resize((600, 400)).convert("RGB")
    low = {
        "flat": process_image(encode(flat, quality=80)).detail,
        "logo": process_image(encode(logo, "PNG")).detail,
        "gradient placeholder": process_image(encode(placeholder, quality=80)).detail,
    }
    high = [process_image(encode(photo_like(seed), quality=85)).detail for seed in (21, 22, 23)]
    assert all(0.0 <= d <= 1.0 for d in [*low.values(), *high])
    assert max(low.values()) < LOW_DETAIL / 2, low
    assert min(high) > 2 * LOW_DETAIL, high
