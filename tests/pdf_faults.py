"""Small PDFs for the preflight tests: a clean print PDF, and the same with one fault each.

The clean one is what a print shop wants: 4 A4 pages with a TrimBox and 3 mm of BleedBox
around it, a PDF/X-4 output intent (our FOGRA39 profile), an embedded (subset) Lato, text in
100 % K, a CMYK image at 300 ppi and CMYK tints. Each fault function writes that document with
one thing wrong, on one page, and returns the page number (None: a document fault).
"""
import functools
import io
import logging
import zlib
from pathlib import Path

import pikepdf
from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
LATO = ROOT / "fonts" / "lato" / "Lato-Regular.ttf"
PROFILE = ROOT / "profiles" / "FOGRA39-reportpress.icc"
MM = 72 / 25.4
TRIM = (210 * MM, 297 * MM)
SLUG = 5 * MM  # MediaBox beyond the trim
TEXT = "Preflight test page"
ASCII = "".join(chr(c) for c in range(32, 127))


def _box(x0, y0, x1, y1):
    return pikepdf.Array([round(v, 4) for v in (x0, y0, x1, y1)])


class Doc:
    """A print PDF in the making: pages with boxes, resources, content, PDF/X metadata."""

    def __init__(self, pages=4, *, bleed_mm=3.0, boxes=True, output_intent=True, pdfx=True):
        self.pdf = pikepdf.new()
        self.contents = []
        width, height = TRIM
        for _ in range(pages):
            self.pdf.add_blank_page(page_size=(width + 2 * SLUG, height + 2 * SLUG))
            page = self.pdf.pages[-1]
            if boxes:
                page.obj.TrimBox = _box(SLUG, SLUG, SLUG + width, SLUG + height)
                b = bleed_mm * MM
                page.obj.BleedBox = _box(SLUG - b, SLUG - b, SLUG + width + b, SLUG + height + b)
            else:
                page.obj.MediaBox = _box(0, 0, width, height)
            page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(),
                                                    XObject=pikepdf.Dictionary())
            self.contents.append([])
        if output_intent:
            icc = self.pdf.make_stream(PROFILE.read_bytes(), N=4)
            self.pdf.Root.OutputIntents = pikepdf.Array([pikepdf.Dictionary(
                Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFX,
                OutputConditionIdentifier=pikepdf.String("FOGRA39"),
                OutputCondition=pikepdf.String("Offset printing, coated paper (ISO 12647-2)"),
                RegistryName=pikepdf.String("http://www.color.org"),
                Info=pikepdf.String("Coated FOGRA39"), DestOutputProfile=icc)])
        self.pdf.docinfo.Title = pikepdf.String("preflight test")
        if pdfx:
            self.pdf.docinfo.GTS_PDFXVersion = pikepdf.String("PDF/X-4")
            self.pdf.docinfo.Trapped = pikepdf.Name("/False")
            with self.pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
                meta["pdfxid:GTS_PDFXVersion"] = "PDF/X-4"
                meta["pdf:Trapped"] = "False"

    @property
    def trim_origin(self):
        return SLUG, SLUG

    def resource(self, number, kind, name, obj):
        resources = self.pdf.pages[number - 1].obj.Resources
        if kind not in resources:
            resources[kind] = pikepdf.Dictionary()
        resources[kind][name] = obj
        return name

    def draw(self, number, content):
        self.contents[number - 1].append(content.strip())

    def image(self, width, height, colour="/DeviceCMYK", ink=1.0):
        """An image XObject: a smooth gradient, in CMYK (C and M ramps) or RGB or gray."""
        channels = {"/DeviceCMYK": 4, "/DeviceRGB": 3, "/DeviceGray": 1}[colour]
        rows = bytearray()
        for y in range(height):
            for x in range(width):
                a = int(255 * ink * x / max(width - 1, 1))
                b = int(255 * ink * y / max(height - 1, 1))
                rows += bytes([a, b, 0, 0][:channels] if channels > 1 else [a])
        return self.pdf.make_stream(zlib.compress(bytes(rows)), Type=pikepdf.Name.XObject,
                                    Subtype=pikepdf.Name.Image, Width=width, Height=height,
                                    ColorSpace=pikepdf.Name(colour), BitsPerComponent=8,
                                    Filter=pikepdf.Name.FlateDecode)

    def jpeg(self, colour, mode="CMYK", size=(1200, 900)):
        """A JPEG photo as WeasyPrint embeds one: a flat `colour` (Pillow mode `mode`) with
        a band at half of it, DCTDecode; Pillow stores CMYK inverted (Adobe), hence the
        /Decode that readers need."""
        from PIL import Image, ImageDraw

        photo = Image.new(mode, size, colour)
        half = tuple(v // 2 for v in colour) if mode != "L" else colour // 2
        # (the band's edges on JPEG's 16-pixel blocks: no ringing there to sample or not)
        ImageDraw.Draw(photo).rectangle((0, 304, size[0], 447), half)
        data = io.BytesIO()
        photo.save(data, "JPEG", quality=95)
        space = {"CMYK": "/DeviceCMYK", "RGB": "/DeviceRGB", "L": "/DeviceGray"}[mode]
        extra = {"Decode": pikepdf.Array([1, 0] * 4)} if mode == "CMYK" else {}
        return self.pdf.make_stream(data.getvalue(), Type=pikepdf.Name.XObject,
                                    Subtype=pikepdf.Name.Image, Width=size[0], Height=size[1],
                                    ColorSpace=pikepdf.Name(space), BitsPerComponent=8,
                                    Filter=pikepdf.Name.DCTDecode, **extra)

    def form(self, content, resources, matrix=(1, 0, 0, 1, 0, 0)):
        return self.pdf.make_stream(content.encode(), Type=pikepdf.Name.XObject,
                                    Subtype=pikepdf.Name.Form, BBox=_box(0, 0, 1000, 1000),
                                    Matrix=pikepdf.Array(matrix), Resources=resources)

    def lato(self, tag="ABCDEF", text=ASCII):
        """Lato Regular, subset to `text` (ASCII) and embedded as a TrueType font (WinAnsi)."""
        data, widths, descriptor = _lato(text)
        name = pikepdf.Name(f"/{tag}+Lato-Regular")
        return self.pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.TrueType,
            BaseFont=name, FirstChar=32, LastChar=126,
            Widths=pikepdf.Array(widths), Encoding=pikepdf.Name.WinAnsiEncoding,
            FontDescriptor=pikepdf.Dictionary(
                Type=pikepdf.Name.FontDescriptor, FontName=name,
                FontFile2=self.pdf.make_stream(data), **descriptor)))

    def helvetica(self):
        """A reference to standard-14 Helvetica: not embedded."""
        return self.pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica, Encoding=pikepdf.Name.WinAnsiEncoding))

    def type3(self):
        """A Type 3 font with one glyph (a filled square) for 'A'."""
        glyph = self.pdf.make_stream(b"1000 0 0 0 1000 1000 d1 0 0 1000 1000 re f")
        return self.pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type3, Name=pikepdf.Name.Boxes,
            FontBBox=_box(0, 0, 1000, 1000), FontMatrix=pikepdf.Array([0.001, 0, 0, 0.001, 0, 0]),
            CharProcs=pikepdf.Dictionary(square=glyph), FirstChar=65, LastChar=65,
            Widths=pikepdf.Array([1000]),
            Encoding=pikepdf.Dictionary(Differences=pikepdf.Array([65, pikepdf.Name.square])),
            Resources=pikepdf.Dictionary()))

    def save(self, path):
        for page, parts in zip(self.pdf.pages, self.contents, strict=True):
            page.obj.Contents = self.pdf.make_stream("\n".join(parts).encode())
        self.pdf.save(path)
        return path


@functools.cache
def _lato(text):
    logging.getLogger("fontTools").setLevel(logging.ERROR)  # Lato's odd head timestamps
    font = TTFont(LATO)
    options = subset.Options()
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    scale = 1000 / font["head"].unitsPerEm
    cmap, hmtx = font.getBestCmap(), font["hmtx"]
    widths = [round(hmtx[cmap[c]][0] * scale) if c in cmap else 0 for c in range(32, 127)]
    head, os2 = font["head"], font["OS/2"]
    descriptor = dict(Flags=32, ItalicAngle=0, StemV=80,
                      FontBBox=pikepdf.Array([round(v * scale) for v in (
                          head.xMin, head.yMin, head.xMax, head.yMax)]),
                      Ascent=round(os2.sTypoAscender * scale),
                      Descent=round(os2.sTypoDescender * scale),
                      CapHeight=round(getattr(os2, "sCapHeight", 700) * scale))
    out = io.BytesIO()
    font.save(out)
    return out.getvalue(), widths, descriptor


def _text(x, y, words=TEXT, font="/F1", size=10, colour="0 0 0 1 k"):
    return f"q {colour} BT {font} {size} Tf 1 0 0 1 {x:.2f} {y:.2f} Tm ({words}) Tj ET Q"


def clean_doc(pages=4, **options):
    """The clean document: every page has bleed-reaching tint, text, a 300 ppi CMYK image."""
    doc = Doc(pages, **options)
    lato = doc.lato()
    picture = doc.image(120, 120)  # placed at 0.4 in = 28.8 pt: 300 ppi
    x0, y0 = doc.trim_origin
    width, height = TRIM
    for number in range(1, pages + 1):
        doc.resource(number, "/Font", "/F1", lato)
        doc.resource(number, "/XObject", "/Im1", picture)
        # a 20 % cyan band across the top that runs into the bleed on three sides
        doc.draw(number, f"q 0.2 0 0 0 k {x0 - 3 * MM:.2f} {y0 + height - 40 * MM:.2f} "
                         f"{width + 6 * MM:.2f} {43 * MM:.2f} re f Q")
        doc.draw(number, _text(x0 + 20 * MM, y0 + height - 60 * MM, f"{TEXT} {number}"))
        doc.draw(number, f"q 0.6 0.3 0 0.1 k {x0 + 20 * MM:.2f} {y0 + 100 * MM:.2f} 100 50 re f Q")
        doc.draw(number, f"q 28.8 0 0 28.8 {x0 + 20 * MM:.2f} {y0 + 60 * MM:.2f} cm /Im1 Do Q")
    return doc


# --- the faults: each writes `path` and returns the page that has the fault -----------------

def clean(path):
    clean_doc().save(path)
    return None


def rgb_image(path, page=3):
    doc = clean_doc()
    doc.resource(page, "/XObject", "/Photo", doc.image(120, 120, "/DeviceRGB"))
    doc.draw(page, "q 28.8 0 0 28.8 300 300 cm /Photo Do Q")
    doc.save(path)
    return page


def low_res_image(path, page=2):
    """A 40 × 40 px image drawn at 0.4 in: 100 ppi, through two nested forms and a cm."""
    doc = clean_doc()
    small = doc.image(40, 40)
    inner = doc.form("q 7.2 0 0 7.2 0 0 cm /Small Do Q",
                     pikepdf.Dictionary(XObject=pikepdf.Dictionary(Small=small)),
                     matrix=(2, 0, 0, 2, 0, 0))
    outer = doc.form("q /Inner Do Q", pikepdf.Dictionary(XObject=pikepdf.Dictionary(Inner=inner)),
                     matrix=(1, 0, 0, 1, 250, 300))
    doc.resource(page, "/XObject", "/Fm0", outer)
    doc.draw(page, "q 2 0 0 2 0 0 cm /Fm0 Do Q")  # 7.2 × 2 × 2 = 28.8 pt
    doc.save(path)
    return page


def rgb_text(path, page=4):
    doc = clean_doc()
    doc.draw(page, _text(100, 200, "Blue in RGB", colour="0 0 1 rg"))
    doc.save(path)
    return page


def no_bleed(path):
    """No TrimBox, no BleedBox: the MediaBox is the A4 page itself (every page)."""
    clean_doc(boxes=False).save(path)
    return None


def thin_bleed(path):
    clean_doc(bleed_mm=2.0).save(path)
    return None


def unembedded_font(path, page=2, in_form=False):
    """Text in standard-14 Helvetica (not embedded), on the page or in a nested form."""
    doc = clean_doc()
    helvetica = doc.helvetica()
    content = _text(0, 0, "Helvetica, not embedded", font="/Helv")
    if in_form:
        inner = doc.form(content, pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=helvetica)))
        outer = doc.form("/Inner Do", pikepdf.Dictionary(XObject=pikepdf.Dictionary(Inner=inner)))
        doc.resource(page, "/XObject", "/Fm1", outer)
        doc.draw(page, "q 1 0 0 1 100 400 cm /Fm1 Do Q")
    else:
        doc.resource(page, "/Font", "/Helv", helvetica)
        doc.draw(page, "q 1 0 0 1 100 400 cm " + content + " Q")
    doc.save(path)
    return page


def same_named_subsets(path, page=3):
    """A second subset of Lato, with other glyphs, under the first one's name and tag (as
    when documents laid out apart are merged)."""
    doc = clean_doc()
    doc.resource(page, "/Font", "/F2", doc.lato(text=TEXT))
    doc.draw(page, _text(100, 500, "Preflight", font="/F2"))
    doc.save(path)
    return page


def face_embedded_twice(path, page=2):
    """Lato embedded again, as a subset with a tag of its own: heavy, but not wrong."""
    doc = clean_doc()
    doc.resource(page, "/Font", "/F2", doc.lato(tag="GHIJKL", text=TEXT))
    doc.draw(page, _text(100, 500, "Preflight", font="/F2"))
    doc.save(path)
    return page


def type3_font(path, page=1):
    doc = clean_doc()
    doc.resource(page, "/Font", "/T3", doc.type3())
    doc.draw(page, _text(100, 500, "AAA", font="/T3", size=12))
    doc.save(path)
    return page


def pages(path, count=42):
    clean_doc(pages=count).save(path)
    return None


def inline_rgb_image(path, page=4):
    """A 2 × 2 px inline image (BI … ID … EI) in RGB, drawn at 2/300 in: 300 ppi."""
    doc = clean_doc()
    doc.draw(page, "q 0.48 0 0 0.48 300 300 cm BI /W 2 /H 2 /CS /RGB /BPC 8 ID\n"
                   "\xff\x00\x00\x00\xff\x00\x00\x00\xff\xff\xff\xff\nEI Q")
    doc.save(path)
    return page


def annotation_font(path, page=2):
    """A printable form field whose appearance sets text in Helvetica (not embedded)."""
    doc = clean_doc()
    appearance = doc.form(_text(2, 2, "Field", font="/Helv"),
                          pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=doc.helvetica())))
    appearance.BBox = _box(0, 0, 100, 20)
    field = doc.pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, FT=pikepdf.Name.Tx,
        T=pikepdf.String("field"), F=4, Rect=_box(100, 100, 200, 120),
        AP=pikepdf.Dictionary(N=appearance)))
    doc.pdf.pages[page - 1].obj.Annots = pikepdf.Array([field])
    doc.pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]))
    doc.save(path)
    return page


def rgb_shading(path, page=1):
    """A gradient in RGB: an axial shading pattern used as a fill, inside a form."""
    doc = clean_doc()
    shading = pikepdf.Dictionary(ShadingType=2, ColorSpace=pikepdf.Name.DeviceRGB,
                                 Coords=[0, 0, 100, 0], Extend=[True, True],
                                 Function=pikepdf.Dictionary(FunctionType=2, Domain=[0, 1],
                                                             C0=[1, 0, 0], C1=[0, 0, 1], N=1))
    pattern = doc.pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Pattern, PatternType=2,
                                                       Shading=shading))
    form = doc.form("/Pattern cs /P0 scn 0 0 100 30 re f",
                    pikepdf.Dictionary(Pattern=pikepdf.Dictionary(P0=pattern)))
    doc.resource(page, "/XObject", "/Gradient", form)
    doc.draw(page, "q 1 0 0 1 300 500 cm /Gradient Do Q")
    doc.save(path)
    return page


def _overprint_state(doc, page, on=True):
    state = doc.pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.ExtGState, OP=on, op=on, OPM=1))
    doc.resource(page, "/ExtGState", "/OPon" if on else "/OPoff", state)


def black_on_colour(path, page=2, overprint=False):
    """Small 100 K text on a 60 % cyan box: knocked out (the fault), or set to overprint."""
    doc = clean_doc()
    doc.draw(page, "q 0.6 0 0 0 k 100 400 300 80 re f Q")
    if overprint:
        _overprint_state(doc, page)
    doc.draw(page, ("q /OPon gs " if overprint else "q ") + _text(110, 430, "On colour") + " Q")
    doc.save(path)
    return page


def white_overprint(path, page=3):
    """White text set to overprint on a cyan box: it would not print at all."""
    doc = clean_doc()
    _overprint_state(doc, page)
    doc.draw(page, "q 0.6 0 0 0 k 100 400 300 80 re f Q")
    doc.draw(page, "q /OPon gs " + _text(110, 430, "Gone", colour="0 0 0 0 k") + " Q")
    doc.save(path)
    return page


def photo(path, colour, mode="CMYK", page=2):
    """A 1200 × 900 px JPEG photo placed 4 × 3 in (300 ppi) on a clean page."""
    doc = clean_doc()
    doc.resource(page, "/XObject", "/Photo", doc.jpeg(colour, mode))
    doc.draw(page, "q 288 0 0 216 150 300 cm /Photo Do Q")
    doc.save(path)
    return page


def ink_400(path, page=3):
    """A rectangle in 100 % of all four inks: 400 % total."""
    doc = clean_doc()
    doc.draw(page, "q 1 1 1 1 k 200 200 150 150 re f Q")
    doc.save(path)
    return page


def registration_inside(path, page=3, tint=1.0, in_form=False):
    """A rectangle in registration colour (/Separation /All) inside the trim, at `tint`:
    400 % of it in total ink, whatever the alternate says (here black only); drawn on the
    page or (`in_form`) in a form whose resources hold the colour space directly."""
    doc = clean_doc()
    registration = pikepdf.Array([pikepdf.Name.Separation, pikepdf.Name.All,
                                  pikepdf.Name.DeviceCMYK, pikepdf.Dictionary(
                                      FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0],
                                      C1=[0, 0, 0, 1], N=1)])
    drawing = f"q /Reg cs {tint:.3f} scn 200 200 150 150 re f Q"
    if in_form:
        form = doc.form(drawing, pikepdf.Dictionary(
            ColorSpace=pikepdf.Dictionary(Reg=registration)))
        doc.resource(page, "/XObject", "/Marks", form)
        doc.draw(page, "q /Marks Do Q")
    else:
        doc.resource(page, "/ColorSpace", "/Reg", doc.pdf.make_indirect(registration))
        doc.draw(page, drawing)
    doc.save(path)
    return page


def spot_colour(path, page=2):
    doc = clean_doc()
    spot = pikepdf.Array([pikepdf.Name.Separation, pikepdf.Name("/PANTONE 286 C"),
                          pikepdf.Name.DeviceCMYK, pikepdf.Dictionary(
                              FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0], C1=[1, 0.66, 0, 0.02],
                              N=1)])
    doc.pdf.pages[page - 1].obj.Resources.ColorSpace = pikepdf.Dictionary(CS0=spot)
    doc.draw(page, "q /CS0 cs 1 scn 100 600 100 40 re f Q")
    doc.save(path)
    return page


def rich_black_text(path, page=3):
    doc = clean_doc()
    doc.draw(page, _text(100, 250, "Small text in rich black", size=8,
                         colour="0.6 0.4 0.4 1 k"))
    doc.save(path)
    return page


def no_output_intent(path):
    clean_doc(output_intent=False, pdfx=False).save(path)
    return None


def photo_to_the_trim(path, page=1, clipped=False):
    """A full-page photo that runs into the bleed at the sides but stops at the trim at top
    and bottom (as a background sized to the page would). `clipped`: the photo is larger
    and a clipping path cuts it at the trim, as a layout engine's `object-fit` does."""
    doc = clean_doc()
    doc.resource(page, "/XObject", "/Cover", doc.image(60, 80))
    x0, y0 = doc.trim_origin
    width, height = TRIM
    left, wide = x0 - 3 * MM, width + 6 * MM
    if clipped:
        doc.draw(page, f"q {left:.2f} {y0:.2f} {wide:.2f} {height:.2f} re W n "
                       f"{wide:.2f} 0 0 {height + 40 * MM:.2f} {left:.2f} {y0 - 20 * MM:.2f} cm "
                       "/Cover Do Q")
    else:
        doc.draw(page, f"q {wide:.2f} 0 0 {height:.2f} {left:.2f} {y0:.2f} cm /Cover Do Q")
    doc.save(path)
    return page
