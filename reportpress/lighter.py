"""Photos in a PDF made lighter for renders at low resolution: preflight's ink reading and
the proof's page images. A renderer decodes a placed JPEG at full size only to average its
pixels down; libjpeg can decode it at 1/2 to 1/8 of its size directly (Pillow `draft`),
one photo per processor, and the lighter pixels can be kept for the next build."""
import contextlib
import hashlib
import io
import math
import os
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pikepdf
from PIL import Image

from .output import write_atomically

COMPONENTS = {"/DeviceGray": 1, "/DeviceRGB": 3, "/DeviceCMYK": 4}


def lighten(images, cache_dir=None):
    """Write into each (image stream, scale) its pixels at that scale of its size, where it
    is a plain JPEG; the PDF then looks the same at low resolution. Returns how many were
    made lighter. Lighter pixels are kept in `cache_dir`, if given, under a hash of the
    JPEG and the scale."""
    images = [(image, scale) for image, scale in images if scale < 1 and plain_jpeg(image)]
    jobs = [(image.read_raw_bytes(), scale, COMPONENTS[str(image.ColorSpace)])
            for image, scale in images]  # (read here: a Pdf is not for threads)
    with ThreadPoolExecutor(os.cpu_count() or 1) as threads:
        smaller = list(threads.map(lambda job: _smaller_kept(*job, cache_dir), jobs))
    made = 0
    for (image, _), found in zip(images, smaller, strict=True):
        if found:
            image.write(found[0])  # (unfiltered)
            image.Width, image.Height = found[1]
            made += 1
    return made


def plain_jpeg(image):
    """An 8-bit JPEG image in a device colour space, without masks."""
    return (isinstance(image, pikepdf.Stream) and image.get("/Filter") == "/DCTDecode"
            and image.get("/BitsPerComponent") == 8 and str(image.get("/ColorSpace")) in COMPONENTS
            and "/SMask" not in image and "/Mask" not in image)


def _smaller_kept(jpeg, scale, components, cache_dir):
    """_smaller, kept in `cache_dir` (when not None) as width, height and the pixels."""
    if cache_dir is None:
        return _smaller(jpeg, scale, components)
    key = hashlib.sha256(jpeg + repr(scale).encode()).hexdigest()[:32]
    kept = Path(cache_dir) / f"{key}.light-photo"
    with contextlib.suppress(OSError, ValueError, zlib.error):
        head, _, data = kept.read_bytes().partition(b"\n")
        width, height = map(int, head.split())
        return zlib.decompress(data), (width, height)
    found = _smaller(jpeg, scale, components)
    if found:
        data = b"%d %d\n" % found[1] + zlib.compress(found[0], 1)
        write_atomically(kept, lambda tmp: Path(tmp).write_bytes(data))
    return found


def _smaller(jpeg, scale, components):
    """(pixels, size): the JPEG at `scale` of its size, as a PDF reader's DCTDecode gives
    them; None if Pillow cannot read it, or it has not the PDF's number of components."""
    try:
        with Image.open(io.BytesIO(jpeg)) as photo:
            if len(photo.getbands()) != components:
                return None
            size = (math.ceil(photo.width * scale), math.ceil(photo.height * scale))
            photo.draft(photo.mode, size)
            pixels = photo.resize(size, Image.Resampling.BOX).tobytes()
            if photo.mode == "CMYK" and "adobe" in photo.info:
                # Pillow undoes the inversion Adobe CMYK JPEGs are stored with; a PDF
                # reader does not (hence their /Decode [1 0 …]): store it as read
                pixels = pixels.translate(bytes(range(255, -1, -1)))
            return pixels, size
    except (OSError, ValueError):
        return None
