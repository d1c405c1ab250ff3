"""Finishing the print PDF after WeasyPrint: crop marks outside the bleed, in registration
colour, and a document id pinned from the content (WeasyPrint's PDF/X XMP has a random one).

WeasyPrint's own `marks: crop` are RGB and sit inside the bleed, so we draw our own: the
MediaBox grows to make room around the BleedBox, and the marks are added after the page
content, where nothing of the page can be under them.
"""
import re
import uuid

import pikepdf

from . import spots as spot_colours

PT_PER_MM = 72 / 25.4
MARK_OFFSET = 1 * PT_PER_MM  # marks start this far outside the bleed
MARK_LENGTH = 6 * PT_PER_MM
MARK_WIDTH = 0.25  # pt
SLUG = 2 * PT_PER_MM  # free paper beyond the marks


def spot_inks(path, spots, file_id=True):
    """Spot colours, which CSS cannot say, written into the PDF WeasyPrint wrote at `path`
    (in place; see spots.py; overprint, the other ink CSS cannot say, is written with the
    PDF: render.write_document). Without `file_id`: qpdf's fixed /ID (a chunk's,
    render.write_document), not one hashed from the bytes."""
    if not spots:
        return
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        spot_colours.apply(pdf, spots)
        pdf.save(path, deterministic_id=file_id, static_id=not file_id,
                 stream_decode_level=pikepdf.StreamDecodeLevel.none,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve)


def apply(path, finishing):
    """`finishing(pdf)` done to the PDF at `path`, which is rewritten in place."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        finishing(pdf)
        save(pdf, path)


def finish(pdf, identifier):
    """Add crop marks and pin the XMP document id (an open pikepdf.Pdf: a chunked build
    finishes the merged file before it is first saved)."""
    registration = _registration_colour(pdf)
    for page in pdf.pages:
        _add_crop_marks(pdf, page, registration)
    _pin_document_id(pdf, identifier)
    _name_output_condition(pdf)


def save(pdf, path):
    """Saved the same way each time: a deterministic /ID from the content."""
    pdf.save(path, deterministic_id=True, compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.preserve)


def _registration_colour(pdf):
    """Separation "All": prints on every plate (the registration colour of crop marks)."""
    tint = pdf.make_indirect(pikepdf.Dictionary(
        FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0], C1=[1, 1, 1, 1], N=1))
    return pdf.make_indirect(pikepdf.Array(
        [pikepdf.Name.Separation, pikepdf.Name.All, pikepdf.Name.DeviceCMYK, tint]))


def _add_crop_marks(pdf, page, registration):
    trim = [float(v) for v in page.TrimBox]
    bleed = [float(v) for v in page.BleedBox]
    reach = max(trim[0] - bleed[0], bleed[2] - trim[2]) + MARK_OFFSET + MARK_LENGTH + SLUG
    x0, y0, x1, y1 = trim
    page.MediaBox = [x0 - reach, y0 - reach, x1 + reach, y1 + reach]
    if "/CropBox" in page:
        del page.CropBox
    start = max(trim[0] - bleed[0], trim[1] - bleed[1]) + MARK_OFFSET
    end = start + MARK_LENGTH
    lines = []
    for x, sx in ((x0, -1), (x1, 1)):
        for y, sy in ((y0, -1), (y1, 1)):
            lines.append((x + sx * start, y, x + sx * end, y))  # horizontal mark
            lines.append((x, y + sy * start, x, y + sy * end))  # vertical mark
    ops = [f"q /RegAll CS 1 SCN {MARK_WIDTH} w 0 J"]
    ops += [f"{a:.3f} {b:.3f} m {c:.3f} {d:.3f} l S" for a, b, c, d in lines]
    ops.append("Q")
    if pikepdf.Name.Resources not in page.obj:
        page.obj.Resources = pikepdf.Dictionary()
    resources = page.obj.Resources
    if pikepdf.Name.ColorSpace not in resources:
        resources.ColorSpace = pikepdf.Dictionary()
    resources.ColorSpace.RegAll = registration
    page.contents_add(pikepdf.Stream(pdf, "\n".join(ops).encode()), prepend=False)
    # the page's own content is wrapped in q/Q so its graphics state cannot reach the marks
    page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
    contents = page.obj.Contents
    contents.insert(len(contents) - 1, pikepdf.Stream(pdf, b"Q\n"))


def _name_output_condition(pdf):
    """WeasyPrint names the output intent after the profile's description; a print shop
    looks for the registered characterisation name."""
    for intent in pdf.Root.get("/OutputIntents", []):
        intent.OutputConditionIdentifier = pikepdf.String("FOGRA39")
        intent.RegistryName = pikepdf.String("http://www.color.org")
        intent.OutputCondition = pikepdf.String(
            "Offset printing, ISO 12647-2:2004/Amd 1, paper type 1 or 2 (coated), "
            "115 g/m2, screen ruling 60/cm")


def _pin_document_id(pdf, identifier):
    if "/Metadata" not in pdf.Root:
        return
    pinned = str(uuid.UUID(bytes=bytes.fromhex(identifier.decode()[:32].ljust(32, "0"))))
    xmp = pdf.Root.Metadata.read_bytes()
    xmp = re.sub(rb"xmp\.did:[0-9a-f-]{36}", f"xmp.did:{pinned}".encode(), xmp)
    pdf.Root.Metadata.write(xmp)
