"""The document and page checks: PDF/X keys, boxes, trim sizes, colours, images, page count."""
from __future__ import annotations

import io

import pikepdf
from PIL import ImageCms

from ..errors import CannotCheck
from .contents import inherited, rect
from .limits import HIGH_PPI, MIN_BLEED_MM, MM_PER_PT, PAGES_PER_SHEET, REGISTERED
from .text import joined, size_name


def open_pdf(path):
    if not path.exists():
        raise CannotCheck(f"{path}: no such file")
    if not path.is_file():
        raise CannotCheck(f"{path}: not a file")
    with path.open("rb") as file:
        head = file.read(1024)
    if b"%PDF-" not in head:
        raise CannotCheck(f"{path}: not a PDF (it does not start with %PDF-)")
    try:
        return pikepdf.open(path)
    except pikepdf.PasswordError as error:
        raise CannotCheck(f"{path}: the PDF is password-protected") from error
    except (pikepdf.PdfError, OSError, ValueError) as error:
        raise CannotCheck(f"{path}: cannot read the PDF: {error}") from error


def check_document(pdf, report):
    """PDF/X: the output intent, /GTS_PDFXVersion and /Trapped; encryption."""
    info = pdf.trailer.get("/Info")
    info = info if isinstance(info, pikepdf.Dictionary) else pikepdf.Dictionary()
    xmp = {}
    try:
        meta = pdf.open_metadata()
        for key in ("pdfxid:GTS_PDFXVersion", "pdf:Trapped", "pdf:Producer"):
            if meta.get(key):
                xmp[key] = str(meta.get(key))
    except Exception:  # noqa: BLE001 – broken XMP: read the Info dictionary alone
        report.add("warning", "pdfx", "the XMP metadata cannot be read")
    doc = {"pdf_version": pdf.pdf_version,
           "producer": str(info.get("/Producer", "")) or xmp.get("pdf:Producer", ""),
           "pdfx_version": None, "trapped": None, "output_intents": []}
    if pdf.is_encrypted:
        report.add("error", "pdfx", "the PDF is encrypted: print PDFs must not be")
    version = info.get("/GTS_PDFXVersion")
    doc["pdfx_version"] = str(version) if version is not None else \
        xmp.get("pdfxid:GTS_PDFXVersion")
    if not doc["pdfx_version"]:
        report.add("error", "pdfx", "not a PDF/X file: no /GTS_PDFXVersion (in the Info "
                   "dictionary or the XMP metadata)")
    trapped = info.get("/Trapped")
    doc["trapped"] = str(trapped).lstrip("/") if trapped is not None else xmp.get("pdf:Trapped")
    if doc["trapped"] not in ("True", "False"):
        state = f"is {doc['trapped']}" if doc["trapped"] else "is not set"
        report.add("error", "pdfx", f"/Trapped {state}: PDF/X needs True or False")
    if "/ID" not in pdf.trailer:
        report.add("warning", "pdfx", "the file has no /ID in its trailer (PDF/X needs one)")
    intents = pdf.Root.get("/OutputIntents")
    for intent in intents if isinstance(intents, pikepdf.Array) else []:
        doc["output_intents"].append(_intent(intent, report))
    if not any(i["subtype"] == "GTS_PDFX" for i in doc["output_intents"]):
        report.add("error", "pdfx", "no PDF/X output intent (/OutputIntents with /S /GTS_PDFX): "
                   "the print condition (e.g. FOGRA39) is not stated")
    return doc


def _intent(intent, report):
    subtype = str(intent.get("/S", "")).lstrip("/")
    facts = {"subtype": subtype,
             "identifier": str(intent.get("/OutputConditionIdentifier", "")) or None,
             "condition": str(intent.get("/OutputCondition", "")) or None,
             "registry": str(intent.get("/RegistryName", "")) or None,
             "profile": None}
    if subtype != "GTS_PDFX":
        return facts
    if not facts["identifier"]:
        report.add("error", "pdfx", "the PDF/X output intent has no /OutputConditionIdentifier")
    elif not REGISTERED.match(facts["identifier"]):
        report.add("info", "pdfx", f"output condition “{facts['identifier']}” is not a name "
                   "from the ICC characterization registry (such as FOGRA39): allowed with an "
                   "embedded profile, but the print shop may not recognise it")
    profile = intent.get("/DestOutputProfile")
    if not isinstance(profile, pikepdf.Stream):
        report.add("error", "pdfx", "the PDF/X output intent has no embedded "
                   "/DestOutputProfile (ICC profile of the print condition)")
        return facts
    try:
        data = profile.read_bytes()
        icc = ImageCms.ImageCmsProfile(io.BytesIO(data)).profile
        facts["profile"] = {"description": icc.profile_description.strip(),
                            "colour_space": icc.xcolor_space.strip(),
                            "class": icc.device_class.strip(), "bytes": len(data)}
    except (OSError, ValueError, pikepdf.PdfError) as error:
        report.add("error", "pdfx", f"the output intent's ICC profile cannot be read: {error}")
        return facts
    if facts["profile"]["colour_space"] != "CMYK":
        report.add("error", "pdfx", f"the output intent's profile is "
                   f"{facts['profile']['colour_space']}, not CMYK")
    return facts


def output_profile(pdf):
    """Bytes of the PDF/X output intent's CMYK profile, if there is one."""
    intents = pdf.Root.get("/OutputIntents")
    for intent in intents if isinstance(intents, pikepdf.Array) else []:
        profile = intent.get("/DestOutputProfile")
        if str(intent.get("/S", "")) == "/GTS_PDFX" and isinstance(profile, pikepdf.Stream):
            try:
                data = profile.read_bytes()
                if data[16:20] == b"CMYK":
                    return data
            except pikepdf.PdfError:
                return None
    return None


def page_boxes(page, number, report):
    """The page's boxes in pt, its trim size and bleed in mm; box findings."""
    obj = page.obj
    raw = {"MediaBox": inherited(obj, "/MediaBox"), "CropBox": inherited(obj, "/CropBox"),
           "BleedBox": obj.get("/BleedBox"), "TrimBox": obj.get("/TrimBox"),
           "ArtBox": obj.get("/ArtBox")}
    boxes = {}
    for name, value in raw.items():
        try:
            boxes[name] = [round(v, 3) for v in rect(value)] if value is not None else None
        except (TypeError, ValueError, pikepdf.PdfError):
            report.add("error", "boxes", f"the {name} is not a rectangle", number)
            boxes[name] = None
    media, trim, bleed = boxes["MediaBox"], boxes["TrimBox"], boxes["BleedBox"]
    if media is None:
        report.add("error", "boxes", "the page has no MediaBox", number)
        return boxes, None, None
    if trim is None:
        missing = "no TrimBox and no BleedBox" if bleed is None else "no TrimBox"
        report.add("error", "boxes", f"no bleed: {missing} (the print shop cannot tell where "
                   "to cut)", number)
        return boxes, None, None
    trim_mm = (round((trim[2] - trim[0]) * MM_PER_PT, 1), round((trim[3] - trim[1]) * MM_PER_PT, 1))
    if not _inside(trim, media):
        report.add("error", "boxes", "the TrimBox reaches outside the MediaBox", number)
    if bleed is None:
        report.add("error", "boxes", "no bleed: the page has a TrimBox but no BleedBox", number)
        return boxes, trim_mm, None
    for outer in ("MediaBox", "CropBox"):  # bleed beyond the media or crop box does not print
        if boxes[outer]:
            o = boxes[outer]
            bleed = [max(bleed[0], o[0]), max(bleed[1], o[1]),
                     min(bleed[2], o[2]), min(bleed[3], o[3])]
    bleed_mm = {"left": (trim[0] - bleed[0]) * MM_PER_PT, "right": (bleed[2] - trim[2]) * MM_PER_PT,
                "top": (bleed[3] - trim[3]) * MM_PER_PT, "bottom": (trim[1] - bleed[1]) * MM_PER_PT}
    bleed_mm = {side: round(max(v, 0.0), 2) for side, v in bleed_mm.items()}
    short = {side: v for side, v in bleed_mm.items() if v < MIN_BLEED_MM - 0.01}
    if len(short) == 4 and all(v == 0 for v in short.values()):
        report.add("error", "boxes", "no bleed: the BleedBox is the TrimBox (0 mm bleed; "
                   f"needs ≥ {MIN_BLEED_MM:g} mm on every side)", number)
    elif short:
        sides = ", ".join(f"{side} {v:.1f} mm" for side, v in short.items())
        report.add("error", "boxes", f"bleed too small: {sides} (needs ≥ {MIN_BLEED_MM:g} mm "
                   "on every side)", number)
    if boxes["CropBox"] and raw["BleedBox"] is not None and not _inside(
            boxes["BleedBox"], boxes["CropBox"]):
        report.add("warning", "boxes", "the CropBox cuts into the bleed", number)
    return boxes, trim_mm, bleed_mm


def _inside(inner, outer, slack=0.01):
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)


def check_trim_sizes(report):
    sized = [p for p in report.pages if p.trim_mm]
    if not sized:
        return
    first = sized[0]
    for page in sized[1:]:
        if (abs(page.trim_mm[0] - first.trim_mm[0]) > 0.5
                or abs(page.trim_mm[1] - first.trim_mm[1]) > 0.5):
            report.add("warning", "boxes", f"trim size {size_name(page.trim_mm)} differs from page "
                       f"{first.number}'s {size_name(first.trim_mm)}", page.number)


def _check_spot(report, label, what, page):
    """Spot colours print as plates of their own: listed where the job allows them, an
    error where it names others, a warning where it says nothing."""
    allowed = report.limits.get("allowed_spots")
    inks = report.spot_inks.get(label, [])
    if allowed is None:
        report.add("warning", "colour", f"spot colour ({label}) used for {what}: it "
                   "prints as an extra plate unless converted to CMYK", page)
    elif set(inks) <= set(allowed):
        report.add("info", "colour", f"spot colour {joined(inks)} used for {what}", page)
    else:
        unexpected = joined(sorted(set(inks) - set(allowed)))
        report.add("error", "colour", f"spot colour {unexpected} used for {what}: not one of "
                   f"the job's spot colours ({joined(sorted(allowed)) or 'none'})", page)


def check_colours(report):
    for page in report.pages:
        for label, uses in page.colours.items():
            kind = report.colour_kinds.get(label, "unknown")
            what = joined(uses)
            if kind == "rgb":
                uses = [use for use in uses if use != "image"]  # images: one by one below
                if uses:
                    report.add("error", "colour", f"{label} used for {joined(uses)}: print needs "
                               "CMYK", page.number)
            elif kind == "spot":
                _check_spot(report, label, what, page.number)
            elif kind == "lab":
                report.add("warning", "colour", f"{label} used for {what}: converted to CMYK "
                           "only at the print shop's RIP", page.number)
            elif kind in ("unknown", "pattern"):
                report.add("warning", "colour", f"colour space {label} used for {what} cannot "
                           "be told", page.number)
        for image in page.images:
            if image.kind == "rgb":
                report.add("error", "colour", f"image {image.name} ({image.width} × "
                           f"{image.height} px) is {image.colour}: print needs CMYK",
                           page.number)
            elif image.kind == "unknown":
                report.add("warning", "colour", f"image {image.name}: colour space "
                           f"{image.colour} cannot be told", page.number)


def check_images(report, min_ppi, warn_ppi, image_label=None):
    for image in report.images:
        if image.kind == "mask" or not image.width or not min(image.placed_mm):
            continue
        ppi = round(image.min_ppi)
        label = (image_label(image) if image_label else None) or f"image {image.name}"
        facts = (f"{label} ({image.width} × {image.height} px at "
                 f"{image.placed_mm[0]:g} × {image.placed_mm[1]:g} mm) has {ppi} ppi")
        if ppi < min_ppi:
            report.add("error", "images", f"{facts}: below the {min_ppi} ppi minimum",
                       image.page)
        elif ppi < warn_ppi:
            report.add("warning", "images", f"{facts}: below {warn_ppi} ppi, may look soft",
                       image.page)
        elif ppi > HIGH_PPI:
            report.add("info", "images", f"{facts}, far above {HIGH_PPI} ppi (the file is "
                       "larger than print needs)", image.page)


def pages_short(binding, count):
    """How many pages `count` lacks for the binding (0: it binds)."""
    return -count % PAGES_PER_SHEET[binding]


def check_pages(report):
    count = report.page_count
    pages = f"{count} page" + ("s" if count != 1 else "")
    short = pages_short(report.binding, count)
    if report.binding == "saddle-stitch" and short:
        above, below = count + short, count + short - 4
        shy = f"add {short} page(s) for {above}"
        cut = f" or remove {count - below} for {below}" if below else ""
        report.add("error", "pages", f"{pages}: saddle stitching needs a multiple of 4; "
                   f"{shy}{cut}")
    elif report.binding == "perfect" and short:
        report.add("error", "pages", f"{pages}: perfect binding needs an even count; add "
                   "or remove 1 page")
