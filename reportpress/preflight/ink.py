"""Total ink per page, rendered with Ghostscript from a copy with lighter photos."""
from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pikepdf
from PIL import Image, ImageMath

from .. import lighter
from ..errors import InkError
from .limits import INK_DPI, MM_PER_PT, PROFILE
from .report import InkReading


def check_ink(report, path, max_ink, dpi, profile, readings=None, cache_dir=None):
    try:
        if readings is None:
            readings = measure_ink(path, report, dpi, profile, max_ink, cache_dir)
    except InkError as error:
        report.add("error", "ink", f"total ink not measured: {error}")
        return
    for page, reading in zip(report.pages, readings, strict=False):
        page.ink = reading
        if round(reading.max_percent) > max_ink:
            where = ""
            if reading.at_mm:
                where = (f" (around {reading.at_mm[0]:.0f} mm from the left, "
                         f"{reading.at_mm[1]:.0f} mm from the top of the trim)")
            report.add("error", "ink", f"total ink reaches {reading.max_percent:.0f} %, above "
                       f"the {max_ink} % limit, on {reading.over_percent:.2g} % of the "
                       f"page{where}", page.number)
    if len(readings) != len(report.pages):
        report.add("error", "ink", f"Ghostscript rendered {len(readings)} of "
                   f"{len(report.pages)} pages")


def measure_ink(path, report, dpi=INK_DPI, profile=None, max_ink=300, cache_dir=None):
    """Render each page's bleed box to CMYK with Ghostscript; the highest C+M+Y+K per page.

    DeviceCMYK passes through unchanged; RGB and other colours are separated with the
    output intent's profile (or profiles/FOGRA39-reportpress.icc when the file has none).
    """
    gs = shutil.which("gs")
    if gs is None:
        raise InkError("Ghostscript (gs) is not installed (Debian: apt-get install ghostscript)")
    with tempfile.TemporaryDirectory(prefix="preflight-") as folder:
        folder = Path(folder)
        command = [gs, "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-dUseBleedBox",
                   "-sDEVICE=tiff32nc", f"-r{dpi}"]
        icc = None
        if profile:
            icc = folder / "output-intent.icc"
            icc.write_bytes(profile)
        elif PROFILE.exists():
            icc = PROFILE
        if icc:
            command += [f"-sDefaultCMYKProfile={icc}", f"-sOutputICCProfile={icc}"]
        if all(label == "DeviceCMYK" or kind == "registration"
               for label, kind in report.colour_kinds.items()):
            # nothing for a profile to separate (DeviceCMYK passes through unchanged either
            # way): without colour management Ghostscript takes a fifth less time
            command.append("-dUseFastColor")
        light = light_copy(path, report, dpi, folder / "light.pdf", cache_dir)
        # one Ghostscript per processor, each on a run of pages: the wait divides
        count = len(report.pages)
        runs = min(os.cpu_count() or 1, count) or 1
        bounds = [(count * i // runs + 1, count * (i + 1) // runs) for i in range(runs)]
        started = [subprocess.Popen(
            [*command, f"-dFirstPage={first}", f"-dLastPage={last}",
             f"-sOutputFile={folder / f'r{index:03}-p%05d.tif'}", "-f", str(light)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for index, (first, last) in enumerate(bounds)]
        said = []
        try:
            for process in started:
                out, err = process.communicate(timeout=1800)
                if process.returncode:
                    said += (err or out).strip().splitlines()[-1:] or [str(process.returncode)]
        except subprocess.TimeoutExpired as error:
            raise InkError("Ghostscript took longer than 30 minutes") from error
        finally:  # (stopped, interrupted or done: none left running)
            for process in started:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        files = sorted(folder.glob("r*-p*.tif"))
        if said and not files:
            raise InkError(f"Ghostscript failed: {said[-1]}")
        with ThreadPoolExecutor(os.cpu_count() or 1) as threads:
            return list(threads.map(lambda file, page: _ink_of(file, page, dpi, max_ink),
                                    files, report.pages))


def light_copy(path, report, dpi, light, cache_dir=None):
    """The PDF with its JPEG photos at the ink rendering's resolution, where they are placed
    largest (lighter.py: decoding them at full size is most of Ghostscript's time). Returns
    the path to render: `light`, or the PDF itself when no image was made lighter."""
    ppi = {}
    for image in report.images:
        if image.object != "inline":
            ppi[image.object] = min(ppi.get(image.object, math.inf), image.min_ppi)
    with pikepdf.open(path) as pdf:
        images = [(pdf.get_object(*map(int, key.split())), dpi / value)
                  for key, value in sorted(ppi.items()) if value > 2 * dpi]
        if not lighter.lighten(images, cache_dir):
            return path.resolve()
        # as fast as it can be written: nothing decoded or compressed
        pdf.save(light, compress_streams=False,
                 stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return light


def _ink_of(file, page, dpi, max_ink):
    with Image.open(file) as image:
        image.load()
        channels = dict(zip("cmyk", image.split(), strict=True))
    total = ImageMath.lambda_eval(lambda a: a["c"] + a["m"] + a["y"] + a["k"], **channels)
    highest = total.getextrema()[1]
    limit = max_ink * 255 / 100
    over = ImageMath.lambda_eval(lambda a: a["t"] > limit, t=total).convert("L")
    over_count = over.histogram()[1]
    spot = ImageMath.lambda_eval(lambda a: a["t"] == highest, t=total).convert("L").getbbox()
    at = None
    if spot and page.trim_mm:
        rendered = page.boxes["BleedBox"] or page.boxes["MediaBox"]
        trim = page.boxes["TrimBox"]
        x = spot[0] / dpi * 25.4 - (trim[0] - rendered[0]) * MM_PER_PT
        y = spot[1] / dpi * 25.4 - (rendered[3] - trim[3]) * MM_PER_PT
        at = (round(x, 1), round(y, 1))
    pixels = total.size[0] * total.size[1] or 1
    return InkReading(round(highest * 100 / 255, 1), round(over_count * 100 / pixels, 3), at)
