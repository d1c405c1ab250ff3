"""The limits preflight checks against, and the names it gives what it finds."""
from __future__ import annotations

import re

from .. import PROJECT

PROFILE = PROJECT / "profiles" / "FOGRA39-reportpress.icc"
# Pages a binding takes in multiples of (the build's own page-count check uses it too).
PAGES_PER_SHEET = {"saddle-stitch": 4, "perfect": 2, "none": 1}
BINDINGS = tuple(PAGES_PER_SHEET)
MIN_BLEED_MM = 3.0
HIGH_PPI = 450
SMALL_TEXT_PT = 12
INK_DPI = 50
MM_PER_PT = 25.4 / 72  # one point in millimetres
IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
FORMATS = {(210, 297): "A4", (148, 210): "A5", (297, 420): "A3", (105, 148): "A6",
           (216, 279): "US Letter", (170, 240): "17 × 24 cm"}
PROCESS = {"/Cyan", "/Magenta", "/Yellow", "/Black"}
# output condition identifiers of the ICC characterization data registry (the common ones)
REGISTERED = re.compile(r"^(FOGRA\d+L?|CGATS[ ._]?TR[ ._]?\d+|GRACoL\S*|SWOP\S*|JC\d+|"
                        r"Japan ?Color ?\d*|IFRA\d+|SNAP\S*|Custom)$", re.IGNORECASE)
