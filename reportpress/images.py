"""Photos prepared for an edition, cached so a rebuild does not redo them.

Print: converted to CMYK with the press profile (FOGRA39) and capped in size, since no
placement needs more than about 450 ppi. Digital: sRGB and about 150 ppi at full page. A full
page is the report's own (`trim:`, with its bleed in print).
"""
import contextlib
import hashlib
import io
import json
import math
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image, ImageCms, ImageFile

from . import PROJECT, engine, processes
from .errors import DamagedImage
from .output import write_atomically

PROFILES = PROJECT / "profiles"
PRESS_PROFILE = PROFILES / "FOGRA39-reportpress.icc"
SRGB = ImageCms.createProfile("sRGB")

# A photo may fill a whole page (with its bleed in print): its shorter side then spans the
# page's longer one. Print keeps every pixel up to 450 ppi there, digital up to 150 ppi;
# photos with more resolution than any placement can use are scaled down.
PPI = {"print": 450, "digital": 150}
QUALITY = {"print": 88, "digital": 78}


def largest_placement_mm(book, edition):
    """The longest a photo is placed in the edition: the page's longer side, with the bleed
    on both ends in print."""
    bleed = 2 * book.bleed_mm if edition == "print" else 0
    return max(book.trim_width_mm, book.trim_height_mm) + bleed


def max_short_side(edition, placement_mm):
    """Pixels a photo keeps on its shorter side, rounded up to a hundred (an A4 page with
    bleed, 303 mm: 5400 in print, 1800 digital)."""
    return math.ceil(placement_mm / 25.4 * PPI[edition] / 100) * 100


def prepare_all(paths, edition, cache_dir, placement_mm):
    """Prepare many photos, those not yet cached in parallel (one process per core):
    converting a 16-megapixel photo to CMYK takes about a second. `placement_mm`: the
    longest a photo is placed (largest_placement_mm)."""
    paths = list(dict.fromkeys(paths))
    _load_digests(cache_dir)
    known = dict(_digests)
    todo = [p for p in paths if not _target(p, edition, cache_dir, placement_mm).exists()]
    if len(todo) > 1:
        pool = ProcessPoolExecutor(max_workers=min(len(todo), os.cpu_count() or 1),
                                   initializer=processes.end_with_parent,
                                   initargs=(os.getpid(),))
        try:
            list(pool.map(prepare, todo, [edition] * len(todo), [cache_dir] * len(todo),
                          [placement_mm] * len(todo)))
        finally:  # (interrupted: the photos begun are finished, no others are begun)
            pool.shutdown(cancel_futures=True)
    prepared = {p: prepare(p, edition, cache_dir, placement_mm) for p in paths}
    if _digests != known:
        _save_digests(cache_dir)
    return prepared


def _target(path, edition, cache_dir, placement_mm):
    path = Path(path)
    settings = (f"{edition} {max_short_side(edition, placement_mm)} {QUALITY[edition]} "
                f"pillow={engine.versions()['pillow']}").encode()
    if _transparent(path):  # (only these are new: others keep the names they had)
        settings += b" on white"
    key = hashlib.sha256(_digest(path) + settings + _digest(PRESS_PROFILE)).hexdigest()[:24]
    return Path(cache_dir) / f"{path.stem}-{key}-{edition}.jpg"


# A photo's (or the press profile's) digest, remembered while its size and modification
# time stay the same (as make and rsync judge a file): reading every photo on each rebuild
# would cost ~0.5 s.
_digests = {}


def _digest(path):
    stat = path.stat()
    known = _digests.get(str(path.resolve()))
    if known and known[:2] == [stat.st_size, stat.st_mtime_ns]:
        return bytes.fromhex(known[2])
    digest = hashlib.sha256(path.read_bytes()).digest()
    _digests[str(path.resolve())] = [stat.st_size, stat.st_mtime_ns, digest.hex()]
    return digest


def _load_digests(cache_dir):
    with contextlib.suppress(OSError, ValueError):
        _digests.update(json.loads((Path(cache_dir) / "digests.json").read_text()))


def _save_digests(cache_dir):
    write_atomically(Path(cache_dir) / "digests.json",
                     lambda tmp: Path(tmp).write_text(json.dumps(_digests, sort_keys=True)))


def prepare(path, edition, cache_dir, placement_mm):
    """Path of the photo made ready for `edition` (a cached file in cache_dir)."""
    target = _target(path, edition, cache_dir, placement_mm)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # each step lets go of the pixels before it (a 16-megapixel photo is 48 MB in RGB and
    # 64 MB in CMYK, and one is prepared per core at once)
    try:  # (the first time its pixels are all read: a damaged file shows here)
        with _whole_images_only():
            image = _to_rgb(Image.open(path))
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise DamagedImage(path, str(error)) from None
    scale = max_short_side(edition, placement_mm) / min(image.size)
    if scale < 1:
        image = _replace(image, image.resize((round(image.width * scale),
                                              round(image.height * scale)),
                                             Image.Resampling.LANCZOS))
    if edition == "print":
        image = _replace(image, ImageCms.applyTransform(image, _rgb_to_press()))
    write_atomically(target, lambda tmp: image.save(tmp, "JPEG", quality=QUALITY[edition]))
    image.close()
    return target


@contextlib.contextmanager
def _whole_images_only():
    """Decoding that fails on a truncated file: WeasyPrint, once loaded in this process,
    tells PIL to fill what is missing with grey, silently."""
    before = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before


def _replace(old, new):
    old.close()  # (frees its pixels now)
    return new


def press_to_rgb(c, m, y, k):
    """A CMYK colour (percent) as sRGB 0–255, through the press profile: the digital
    edition shows the print colours as the press would print them."""
    pixel = Image.new("CMYK", (1, 1), tuple(round(v * 2.55) for v in (c, m, y, k)))
    if PRESS_PROFILE.exists():
        pixel = ImageCms.applyTransform(pixel, _press_to_rgb())
    else:
        pixel = pixel.convert("RGB")
    return pixel.getpixel((0, 0))


def _transparent(path):
    with Image.open(path) as image:
        return has_alpha(image)


def has_alpha(image):
    """Whether an opened image can be transparent (the press has no transparent ink)."""
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _to_rgb(image):
    """The opened photo in sRGB (loaded; the opened one is closed if it is not that).
    Transparent areas become white paper: converted as they are, they would print black
    (about 300% ink), the colour their pixels hold under the transparency."""
    icc = image.info.get("icc_profile") if image.mode in ("RGB", "RGBA") else None
    if has_alpha(image):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, "white")
        image = _replace(image, Image.alpha_composite(white, rgba))
        rgba.close()
        white.close()
    if image.mode != "RGB":
        image = _replace(image, image.convert("RGB"))
    image.load()
    if icc:  # honour the photo's own profile
        embedded = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        ImageCms.profileToProfile(image, embedded, SRGB, inPlace=True)
    return image


_transforms = {}


def _rgb_to_press():
    if "to_press" not in _transforms:
        _transforms["to_press"] = ImageCms.buildTransform(
            SRGB, ImageCms.getOpenProfile(str(PRESS_PROFILE)), "RGB", "CMYK",
            renderingIntent=ImageCms.Intent.PERCEPTUAL)
    return _transforms["to_press"]


def _press_to_rgb():
    if "from_press" not in _transforms:
        _transforms["from_press"] = ImageCms.buildTransform(
            ImageCms.getOpenProfile(str(PRESS_PROFILE)), SRGB, "CMYK", "RGB",
            renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)
    return _transforms["from_press"]
