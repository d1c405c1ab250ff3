"""Total ink per page, rendered with Ghostscript from a copy with lighter photos."""
from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pikepdf
from PIL import Image, ImageMath

from .. import lighter
from ..errors import InkError
from .limits import INK_DPI, MM_PER_PT, PROFILE
from .report import InkReading

GS_TIMEOUT = 1800  # s: Ghostscript is stopped after it
# glibc's malloc (Debian's Ghostscript uses it) asks the kernel for its heap 64 MB at a
# time: by default it grows and shrinks the heap page after page, and the kernel's page
# faults took a fifth of Ghostscript's time
GS_ENVIRONMENT = {"MALLOC_TOP_PAD_": str(64 << 20)}


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
        # the pages as PAM images on its output, read as they are rendered (not as files
        # after the last: each page is measured while the next renders)
        command = [gs, "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-dUseBleedBox",
                   "-sDEVICE=pamcmyk32", f"-r{dpi}", "-sstdout=%stderr", "-sOutputFile=-"]
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
        return _rendered(command, light, report.pages, dpi, max_ink, folder)


def _rendered(command, light, pages, dpi, max_ink, folder):
    """The ink of each page, from one Ghostscript per processor side by side, each on a run
    of pages (the wait divides), each page measured while the next renders."""
    runs = min(os.cpu_count() or 1, len(pages)) or 1
    bounds = [(len(pages) * i // runs, len(pages) * (i + 1) // runs) for i in range(runs)]
    said = [open(folder / f"said-{index}.txt", "w+") for index in range(runs)]  # noqa: SIM115
    started = [subprocess.Popen(
        [*command, f"-dFirstPage={first + 1}", f"-dLastPage={last}", "-f", str(light)],
        stdout=subprocess.PIPE, stderr=said[index], env={**os.environ, **GS_ENVIRONMENT})
        for index, (first, last) in enumerate(bounds)]
    stopped = threading.Event()  # (taking longer than GS_TIMEOUT)

    def stop():
        stopped.set()
        for process in started:
            process.kill()

    too_long = threading.Timer(GS_TIMEOUT, stop)
    too_long.start()
    threads = ThreadPoolExecutor(runs)  # (one reads each Ghostscript's pages)
    try:
        measured = list(threads.map(
            lambda process, run: [_ink_of(image, page, dpi, max_ink) for image, page
                                  in zip(_pam_pages(process.stdout), run, strict=False)],
            started, [pages[first:last] for first, last in bounds]))
        for process in started:
            process.wait()
    finally:  # (stopped, interrupted or done: none left running)
        too_long.cancel()
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait()
        threads.shutdown()  # (their Ghostscript gone, the readers are at its output's end)
        for process in started:
            process.stdout.close()
        errors = []
        for process, file in zip(started, said, strict=True):
            file.seek(0)
            if process.returncode:
                errors += file.read().strip().splitlines()[-1:] or [str(process.returncode)]
            file.close()
    if stopped.is_set():
        raise InkError(f"Ghostscript took longer than {GS_TIMEOUT // 60} minutes")
    readings = [reading for run in measured for reading in run]
    if errors and not readings:
        raise InkError(f"Ghostscript failed: {errors[-1]}")
    return readings


def _pam_pages(stream):
    """The CMYK images Ghostscript's pamcmyk32 device writes one after another."""
    while True:
        fields = {}
        while (line := stream.readline()) and line.strip() != b"ENDHDR":
            key, _, value = line.strip().partition(b" ")
            fields[key] = value  # (P7, its magic number, has no value; # a comment)
        if not line:
            return
        size = int(fields[b"WIDTH"]), int(fields[b"HEIGHT"])
        pixels = stream.read(size[0] * size[1] * 4)
        if len(pixels) < size[0] * size[1] * 4:
            return  # (cut short: Ghostscript failed on this page)
        yield Image.frombytes("CMYK", size, pixels)


def light_copy(path, report, dpi, light, cache_dir=None):
    """The PDF with its JPEG photos at the ink rendering's resolution, where they are placed
    largest (lighter.py: decoding them at full size is most of Ghostscript's time), and its
    registration colour as process (PROCESS_ALL). Returns the path to render: `light`, or
    the PDF itself when it had neither."""
    ppi = {}
    for image in report.images:
        if image.object != "inline":
            ppi[image.object] = min(ppi.get(image.object, math.inf), image.min_ppi)
    with pikepdf.open(path) as pdf:
        images = [(pdf.get_object(*map(int, key.split())), dpi / value)
                  for key, value in sorted(ppi.items()) if value > 2 * dpi]
        if not lighter.lighten(images, cache_dir) + _registration_as_process(pdf):
            return path.resolve()
        # as fast as it can be written: nothing decoded or compressed
        pdf.save(light, compress_streams=False,
                 stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return light


# Registration colour (/Separation /All: crop marks) as Ghostscript renders it on a CMYK
# device, all four inks at the tint, in a colour space it has nothing special to prepare
# for: /All costs each Ghostscript more than most pages take to render, even where every
# mark lies outside the box rendered
PROCESS_ALL = (pikepdf.Name.Separation, pikepdf.Name("/All.as-process"), pikepdf.Name.DeviceCMYK,
               {"/FunctionType": 2, "/Domain": [0, 1], "/C0": [0, 0, 0, 0],
                "/C1": [1, 1, 1, 1], "/N": 1})


def _registration_as_process(pdf):
    """Put PROCESS_ALL wherever the PDF has a /Separation /All colour space; how many."""
    replaced = 0

    def visit(container):
        nonlocal replaced
        if isinstance(container, pikepdf.Array):
            entries = list(enumerate(container))
        elif isinstance(container, pikepdf.Dictionary | pikepdf.Stream):
            entries = list(container.items())
        else:
            return
        for key, value in entries:
            if not isinstance(value, pikepdf.Array | pikepdf.Dictionary) or value.is_indirect:
                continue  # (an indirect one is visited as itself)
            if _registration(value):
                container[key] = pikepdf.Array(PROCESS_ALL)
                replaced += 1
            else:
                visit(value)

    for obj in pdf.objects:
        if _registration(obj):
            obj[:] = pikepdf.Array(PROCESS_ALL)
            replaced += 1
        visit(obj)
    return replaced


def _registration(value):
    return (isinstance(value, pikepdf.Array) and len(value) >= 2
            and value[0] == "/Separation" and value[1] == "/All")


def _ink_of(image, page, dpi, max_ink):
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
