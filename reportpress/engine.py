"""The libraries that shape a PDF's bytes, and their versions.

The Python ones are pinned in requirements.txt. Pango and HarfBuzz (line breaking and
shaping) come from the system, and so does zlib (Python's own, which compresses the PDF's
streams): their versions go into every cache key, so a cache is never reused by a machine
that would lay out or compress differently. Font subsetting would come from the system too
(WeasyPrint uses HarfBuzz-Subset where it finds it); render.py makes it always the pinned
fontTools, so it is not listed here.
"""
import ctypes
import functools
import zlib
from importlib import metadata

PINNED = ("weasyprint", "pydyf", "fonttools", "pillow", "pikepdf", "pyphen")
SYSTEM = (  # (name, shared library, its function returning the version)
    ("pango", "libpango-1.0.so.0", "pango_version_string"),
    ("harfbuzz", "libharfbuzz.so.0", "hb_version_string"),
)


@functools.cache
def versions():
    """{library: version} for everything listed above."""
    found = {name: metadata.version(name) for name in PINNED}
    for name, library, function in SYSTEM:
        found[name] = _system_version(library, function)
    found["zlib"] = zlib.ZLIB_RUNTIME_VERSION
    return found


def _system_version(library, function):
    try:
        call = getattr(ctypes.CDLL(library), function)
    except (OSError, AttributeError):
        return "absent"
    call.restype = ctypes.c_char_p
    return call().decode()


def fingerprint():
    """One line naming them all, for cache keys."""
    return " ".join(f"{name}={version}" for name, version in sorted(versions().items()))
