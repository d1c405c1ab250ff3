"""Reading each page's content stream as a print shop's RIP would: what paints where, in
which colour, with which font and image, and whether it reaches the bleed."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import pikepdf

from .colourspaces import DEVICE, PATTERN, ColourSpace, colour_space, entry
from .fonts import font_facts, font_program
from .limits import IDENTITY, MM_PER_PT, SMALL_TEXT_PT
from .report import FontInfo, ImageUse


def multiply(m, n):
    """The matrix m × n (PDF's row-vector convention: apply m first, then n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F)


def matrix(values):
    return tuple(float(v) for v in values) if len(values) == 6 else IDENTITY


@dataclass
class GState:
    ctm: tuple = IDENTITY
    fill: ColourSpace = DEVICE["/DeviceGray"]
    fill_values: tuple = (0.0,)
    fill_pattern: str | None = None
    stroke: ColourSpace = DEVICE["/DeviceGray"]
    stroke_values: tuple = (0.0,)
    stroke_pattern: str | None = None
    font: object = None  # key into Reader.fonts
    font_size: float = 0.0
    render: int = 0  # text rendering mode
    overprint: bool = False  # fills (and text) overprint: ExtGState /op
    clip: tuple | None = None  # the clipping path's bounds on the page (None: unclipped)


FILL_OPS = {"f", "F", "f*"}
STROKE_OPS = {"S", "s"}
BOTH_OPS = {"B", "B*", "b", "b*"}
TEXT_OPS = {"Tj", "TJ", "'", '"'}
PATH_OPS = {"re", "m", "l", "c", "v", "y"}  # (read for where fills reach: the bleed check)
TOUCH = 0.25  # pt: an edge this close to the trim touches it; this close to the bleed reaches it
# The operators Reader.step reads: pikepdf leaves the others (paths, text positioning)
# unparsed, which is a third of a text page's content. (BI ID EI: inline images.)
READ_OPS = " ".join(["q Q cm g rg k G RG K cs CS sc scn SC SCN BT Tm Tf Tr gs sh Do BI ID EI",
                     *FILL_OPS, *STROKE_OPS, *BOTH_OPS, *TEXT_OPS, *PATH_OPS, "W W* n"])


def _key(obj, fallback):
    objgen = obj.objgen if isinstance(obj, pikepdf.Object) else (0, 0)
    return objgen if objgen != (0, 0) else fallback


class Reader:
    """Walks the content of each page (and its forms, patterns and annotations)."""

    def __init__(self, report):
        self.report = report
        self.fonts = {}  # key → FontInfo
        self.page = None
        self.stack = []  # objects being read, against loops
        self.base_ctm = self.text_matrix = IDENTITY
        self.text_origin = (0.0, 0.0)
        self.black_overprint_pt = SMALL_TEXT_PT

    def read_page(self, number, page, info):
        self.page, self.info = number, info
        self.patterns_done = set()
        self.path, self.clipping = None, False  # the path being built (its bounds)
        self.rects, self.curved = [], False  # its rectangles (page boxes); other segments
        self.backdrop = []  # (boxes, even-odd, coloured) of each fill, in order
        self.even_odd = False  # the fill being painted: by the even-odd rule
        self.knocked_out = 0  # runs of small black text that knock out of colour
        unit = float(page.obj.get("/UserUnit", 1))
        base = (unit, 0.0, 0.0, unit, 0.0, 0.0)
        resources = page.obj.get("/Resources") or inherited(page.obj, "/Resources")
        group = page.obj.get("/Group")
        if isinstance(group, pikepdf.Dictionary) and "/CS" in group:
            self.use(colour_space(group["/CS"], resources), "transparency group")
        self.note_resource_fonts(resources)
        self.run(page.obj, resources, GState(ctm=base), where="")
        if self.knocked_out:
            self.report.add("warning", "overprint", f"{self.knocked_out} run(s) of black text "
                            f"under {self.black_overprint_pt:g} pt knock out of a coloured "
                            "background: set them to overprint, or a misregistered plate "
                            "shows a white halo", number)
        annots = page.obj.get("/Annots")
        for annot in annots if isinstance(annots, pikepdf.Array) else []:
            if isinstance(annot, pikepdf.Dictionary):
                self.read_annotation(annot, base)

    def read_annotation(self, annot, base):
        flags = int(annot.get("/F", 0))
        if not flags & 4 or flags & 2:  # not printed, or hidden
            return
        normal = entry(annot.get("/AP"), "/N")
        if isinstance(normal, pikepdf.Dictionary) and not isinstance(normal, pikepdf.Stream):
            normal = entry(normal, annot.get("/AS") or "/Off")
        if not isinstance(normal, pikepdf.Stream) or "/Rect" not in annot:
            return
        form_matrix = matrix(list(normal.get("/Matrix", IDENTITY)))
        x0, y0, x1, y1 = rect(normal.get("/BBox", [0, 0, 1, 1]), form_matrix)
        rx0, ry0, rx1, ry1 = rect(annot["/Rect"])
        sx = (rx1 - rx0) / (x1 - x0) if x1 > x0 else 1.0
        sy = (ry1 - ry0) / (y1 - y0) if y1 > y0 else 1.0
        to_rect = (sx, 0.0, 0.0, sy, rx0 - x0 * sx, ry0 - y0 * sy)
        ctm = multiply(multiply(form_matrix, to_rect), base)
        subtype = str(annot.get("/Subtype", "/Annot")).lstrip("/")
        self.run_form(normal, None, GState(ctm=ctm), f"{subtype} annotation", matrix_done=True)

    def note_resource_fonts(self, resources):
        fonts = entry(resources, "/Font")
        if isinstance(fonts, pikepdf.Dictionary):
            for name, font in fonts.items():
                self.font(font, name)

    def font(self, font, name):
        key = _key(font, ("direct", self.page, name))
        if key not in self.fonts:
            self.fonts[key] = FontInfo(*font_facts(font), program=font_program(font))
        return key

    def use(self, space, what):
        """Note that `space` paints `what` on this page; RGB and spot colours are findings."""
        self.report.colour_kinds[space.label] = space.kind
        if space.kind == "spot":
            self.report.spot_inks[space.label] = space.spots
        uses = self.info.colours.setdefault(space.label, [])
        if what not in uses:
            uses.append(what)

    def paint(self, gs, resources, what, stroke=False):
        space = gs.stroke if stroke else gs.fill
        pattern = gs.stroke_pattern if stroke else gs.fill_pattern
        if not stroke:
            self.note_backdrop(gs, what)
        if space.family == "Pattern":
            if space.base is not None:  # uncoloured tiling pattern: painted in the base space
                self.use(space.base, what)
            self.pattern(pattern, resources, gs, what)
            return
        self.use(space, what)
        values = gs.stroke_values if stroke else gs.fill_values
        if (what == "text" and space.kind == "cmyk" and space.n == 4 and len(values) == 4
                and values[3] >= 0.95 and max(values[:3]) > 0.005):
            size = gs.font_size * math.sqrt(abs(_det(multiply(self.text_matrix, gs.ctm))))
            if 0 < size < SMALL_TEXT_PT:
                cmyk = "/".join(f"{round(v * 100)}" for v in values)
                self.report.add("warning", "colour",
                                f"small text ({size:.1f} pt) in rich black C/M/Y/K {cmyk}: "
                                f"set text under {SMALL_TEXT_PT} pt in 100 % K only", self.page)

    def note_backdrop(self, gs, what):
        """Keep what a fill paints under later text; find small black text that knocks out
        of colour, and white that overprints (it vanishes)."""
        cmyk = gs.fill_values if gs.fill.kind == "cmyk" and len(gs.fill_values) == 4 else None
        white = cmyk is not None and max(cmyk) <= 0.005
        if white and gs.overprint and what in ("fill", "text"):
            self.report.add("error", "overprint", f"white {what} is set to overprint: it will "
                            "not print at all", self.page)
        if what == "fill" and self.path is not None:
            # a path of rectangles (WeasyPrint's boxes and borders) by its rectangles; any
            # other by its bounds
            boxes = [self.path] if self.curved or not self.rects else self.rects
            self.backdrop.append(([_intersect(gs.clip, box) for box in boxes], self.even_odd,
                                  not white))
        elif what == "text" and cmyk is not None and not gs.overprint and _is_black(cmyk):
            size = gs.font_size * math.sqrt(abs(_det(multiply(self.text_matrix, gs.ctm))))
            point = _apply(gs.ctm, *self.text_origin)
            under = next((coloured for boxes, even_odd, coloured in reversed(self.backdrop)
                          if _painted(boxes, even_odd, point)), False)
            if 0 < size < self.black_overprint_pt and under:
                self.knocked_out += 1

    def pattern(self, name, resources, gs, what):
        pattern = entry(entry(resources, "/Pattern"), name) if name else None
        if pattern is None:
            self.use(PATTERN, what)
            return
        if int(pattern.get("/PatternType", 1)) == 2:
            shading = pattern.get("/Shading")
            self.use(colour_space(entry(shading, "/ColorSpace"), resources), f"{what} (shading)")
            return
        key = _key(pattern, name)
        if int(pattern.get("/PaintType", 1)) == 1 and key not in self.patterns_done:
            self.patterns_done.add(key)
            pattern_gs = GState(ctm=multiply(matrix(list(pattern.get("/Matrix", IDENTITY))),
                                             self.base_ctm))
            self.run_form(pattern, resources, pattern_gs, f"pattern {name}", matrix_done=True)

    def run_form(self, form, parent_resources, gs, where, matrix_done=False):
        key = _key(form, None)
        if key in self.stack or len(self.stack) > 24:
            return
        resources = form.get("/Resources") or parent_resources
        group = form.get("/Group")
        if isinstance(group, pikepdf.Dictionary) and "/CS" in group:
            self.use(colour_space(group["/CS"], resources), "transparency group")
        if not matrix_done:
            gs = dataclasses.replace(gs, ctm=multiply(matrix(list(form.get("/Matrix", IDENTITY))),
                                                      gs.ctm))
        if "/BBox" in form:  # a form draws nothing outside its box
            gs = dataclasses.replace(gs, clip=_intersect(gs.clip, rect(form["/BBox"], gs.ctm)))
        self.note_resource_fonts(resources)
        self.stack.append(key)
        try:
            self.run(form, resources, gs, where)
        finally:
            self.stack.pop()

    def run(self, stream, resources, gs, where):
        """Interpret one content stream: the operators that paint, select colours and fonts."""
        try:
            instructions = pikepdf.parse_content_stream(stream, READ_OPS)
        except (pikepdf.PdfError, ValueError) as error:
            self.report.add("error", "file", f"cannot read the content of {where or 'the page'}: "
                            f"{error}", self.page)
            return
        saved = self.base_ctm, self.text_matrix
        self.base_ctm, self.text_matrix = gs.ctm, IDENTITY
        stack = []
        try:
            for instruction in instructions:
                try:
                    gs = self.step(instruction, gs, stack, resources, where)
                except (TypeError, ValueError, IndexError, pikepdf.PdfError):
                    self.report.add("warning", "file", f"a malformed {instruction.operator} "
                                    f"operator in {where or 'the page'} was skipped", self.page)
        finally:
            self.base_ctm, self.text_matrix = saved

    def step(self, instruction, gs, stack, resources, where):
        op = str(instruction.operator)
        if op == "INLINE IMAGE":
            name = f"{where} > [inline]" if where else "[inline]"
            self.image(instruction.iimage.obj, name, "inline", gs, resources, where)
            return gs
        args = list(instruction.operands)
        if op == "q":
            stack.append(gs)
            gs = dataclasses.replace(gs)
        elif op == "Q":
            gs = stack.pop() if stack else gs
        elif op == "cm" and len(args) == 6:
            gs = dataclasses.replace(gs, ctm=multiply(matrix(args), gs.ctm))
        elif op in ("g", "rg", "k", "G", "RG", "K"):
            space = DEVICE[{"g": "/DeviceGray", "rg": "/DeviceRGB", "k": "/DeviceCMYK"}[op.lower()]]
            values = _numbers(args)
            if op.islower():
                gs = dataclasses.replace(gs, fill=space, fill_values=values, fill_pattern=None)
            else:
                gs = dataclasses.replace(gs, stroke=space, stroke_values=values,
                                         stroke_pattern=None)
        elif op in ("cs", "CS") and args:
            space = colour_space(args[0], resources)
            if op == "cs":
                gs = dataclasses.replace(gs, fill=space, fill_values=space.initial(),
                                         fill_pattern=None)
            else:
                gs = dataclasses.replace(gs, stroke=space, stroke_values=space.initial(),
                                         stroke_pattern=None)
        elif op in ("sc", "scn", "SC", "SCN"):
            name = str(args[-1]) if args and isinstance(args[-1], pikepdf.Name) else None
            values = _numbers(args)
            if op.islower():
                gs = dataclasses.replace(gs, fill_values=values, fill_pattern=name)
            else:
                gs = dataclasses.replace(gs, stroke_values=values, stroke_pattern=name)
        elif op in PATH_OPS:
            self.extend_path(op, _numbers(args), gs)
        elif op in ("W", "W*"):
            self.clipping = True
        elif op == "n":
            gs = self.end_path(gs)
        elif op in FILL_OPS:
            self.even_odd = op == "f*"
            self.paint(gs, resources, "fill")
            self.reaches(self.path, gs, "a fill")
            gs = self.end_path(gs)
        elif op in STROKE_OPS:
            self.paint(gs, resources, "stroke", stroke=True)
            gs = self.end_path(gs)
        elif op in BOTH_OPS:
            self.paint(gs, resources, "fill")
            self.paint(gs, resources, "stroke", stroke=True)
            self.reaches(self.path, gs, "a fill")
            gs = self.end_path(gs)
        elif op == "BT":
            self.text_matrix, self.text_origin = IDENTITY, (0.0, 0.0)
        elif op == "Tm" and len(args) == 6:
            self.text_matrix = matrix(args)[:4] + (0.0, 0.0)
            self.text_origin = matrix(args)[4:]
        elif op == "Tf" and len(args) == 2:
            gs = self.select_font(gs, args[0], args[1], resources)
        elif op == "Tr" and args:
            gs = dataclasses.replace(gs, render=int(args[0]))
        elif op == "gs" and args:
            state = entry(entry(resources, "/ExtGState"), str(args[0]))
            overprint = entry(state, "/op")
            overprint = entry(state, "/OP") if overprint is None else overprint
            if overprint is not None:
                gs = dataclasses.replace(gs, overprint=bool(overprint))
            font = entry(state, "/Font")
            if isinstance(font, pikepdf.Array) and len(font) == 2:
                gs = dataclasses.replace(gs, font=self.font(font[0], "ExtGState font"),
                                         font_size=float(font[1]))
        elif op in TEXT_OPS:
            self.text(gs, resources)
        elif op == "sh" and args:
            shading = entry(entry(resources, "/Shading"), str(args[0]))
            self.use(colour_space(entry(shading, "/ColorSpace"), resources), "shading")
            self.reaches(None, gs, "a shading")
        elif op == "Do" and args:
            self.draw(str(args[0]), gs, resources, where)
        return gs

    def extend_path(self, op, values, gs):
        """Add a path segment's points (on the page) to the bounds of the path."""
        if op == "re" and len(values) == 4:
            x, y, w, h = values
            points = [(x, y), (x + w, y + h)]
            self.rects.append(rect((x, y, x + w, y + h), gs.ctm))
        else:
            points = list(zip(values[::2], values[1::2], strict=False))
            self.curved = True
        a, b, c, d, e, f = gs.ctm
        for x, y in points:
            px, py = a * x + c * y + e, b * x + d * y + f
            box = self.path or (px, py, px, py)
            self.path = (min(box[0], px), min(box[1], py), max(box[2], px), max(box[3], py))

    def end_path(self, gs):
        """The path is done: a clip (W) it made holds from here on."""
        if self.clipping and self.path:
            gs = dataclasses.replace(gs, clip=_intersect(gs.clip, self.path))
        self.path, self.clipping = None, False
        self.rects, self.curved = [], False
        return gs

    def reaches(self, bounds, gs, what):
        """Something painted that touches the trim edge must run on to the bleed edge:
        else the cut, never exact, leaves a white hairline (an error, with its side)."""
        shown = _intersect(gs.clip, bounds) if bounds else gs.clip
        trim, bleed = self.info.boxes.get("TrimBox"), self.info.boxes.get("BleedBox")
        if not shown or not trim or not bleed:
            return
        for side, short in _short_of_bleed(shown, trim, bleed).items():
            self.report.add("error", "bleed", f"{what} touches the trim at the {side} and "
                            f"stops {short * MM_PER_PT:.1f} mm short of the bleed edge (run it on "
                            "into the bleed)", self.page)

    def select_font(self, gs, name, size, resources):
        font = entry(entry(resources, "/Font"), str(name))
        if font is None:
            self.report.add("error", "fonts", f"text uses font {name}, which is not in the "
                            "page's resources", self.page)
            return dataclasses.replace(gs, font=None, font_size=float(size))
        return dataclasses.replace(gs, font=self.font(font, str(name)), font_size=float(size))

    def text(self, gs, resources):
        if gs.font is not None:
            info = self.fonts[gs.font]
            if self.page not in info.pages:
                info.pages.append(self.page)
            if info.name not in self.info.fonts:
                self.info.fonts.append(info.name)
        if gs.render in (0, 2, 4, 6):
            self.paint(gs, resources, "text")
        if gs.render in (1, 2, 5, 6):
            self.paint(gs, resources, "text", stroke=True)

    def draw(self, name, gs, resources, where):
        xobject = entry(entry(resources, "/XObject"), name)
        if xobject is None:
            self.report.add("error", "file", f"{where or 'page'} draws {name}, which is not in "
                            "its resources", self.page)
            return
        path = f"{where} > {name}" if where else name
        subtype = str(xobject.get("/Subtype", ""))
        if subtype == "/Image":
            objgen = xobject.objgen
            self.image(xobject, path, f"{objgen[0]} {objgen[1]}", gs, resources, where)
        elif subtype == "/Form":
            self.run_form(xobject, resources, gs, path)

    def image(self, image, name, obj, gs, resources, where):
        width, height = int(image.get("/Width", 0)), int(image.get("/Height", 0))
        mask = bool(image.get("/ImageMask", False))
        if mask:
            self.paint(gs, resources, "image mask")
            space, kind = "stencil mask", "mask"
        elif "/ColorSpace" in image:
            cs = colour_space(image["/ColorSpace"], resources)
            space, kind = cs.label, cs.kind
            self.use(cs, "image")
        elif image.get("/Filter") == "/JPXDecode" or (
                isinstance(image.get("/Filter"), pikepdf.Array)
                and pikepdf.Name("/JPXDecode") in image["/Filter"]):
            space, kind = "JPX (inside the JPEG 2000 data)", "unknown"
        else:
            space, kind = "none", "unknown"
        if not mask:  # a photo under text: colour to knock out of (where not clipped)
            self.backdrop.append(([_intersect(gs.clip, rect((0, 0, 1, 1), gs.ctm))], False,
                                  True))
        a, b, c, d = gs.ctm[:4]
        w_pt, h_pt = math.hypot(a, b), math.hypot(c, d)
        ppi = (width / (w_pt / 72) if w_pt else 0.0, height / (h_pt / 72) if h_pt else 0.0)
        self.reaches(rect((0, 0, 1, 1), gs.ctm), gs, "a photo" if not mask else "a mask")
        use = ImageUse(self.page, name, obj, width, height,
                       int(image.get("/BitsPerComponent", 1 if mask else 0)), space, kind,
                       (round(w_pt * MM_PER_PT, 1), round(h_pt * MM_PER_PT, 1)),
                       (round(ppi[0], 1), round(ppi[1], 1)))
        self.info.images.append(use)


def _numbers(args):
    return tuple(float(v) for v in args if not isinstance(v, pikepdf.Name))


def _det(m):
    return m[0] * m[3] - m[1] * m[2]


def _apply(m, x, y):
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _painted(boxes, even_odd, point):
    """Whether a fill of these rectangles paints the point (two nested rectangles filled by
    the even-odd rule paint a frame: WeasyPrint's borders)."""
    x, y = point
    inside = sum(box[0] <= x <= box[2] and box[1] <= y <= box[3] for box in boxes)
    return inside % 2 == 1 if even_odd else inside > 0


def _is_black(cmyk):
    """100 % K and nothing else (rich black is another check's)."""
    return cmyk[3] >= 0.995 and max(cmyk[:3]) <= 0.005


def rect(values, transform=IDENTITY):
    """The bounding rectangle (x0, y0, x1, y1) of a PDF rectangle, after a transform."""
    x0, y0, x1, y1 = (float(v) for v in list(values)[:4])
    a, b, c, d, e, f = transform
    xs = [a * x + c * y + e for x in (x0, x1) for y in (y0, y1)]
    ys = [b * x + d * y + f for x in (x0, x1) for y in (y0, y1)]
    return min(xs), min(ys), max(xs), max(ys)


def _intersect(first, second):
    """The overlap of two bounds (x0, y0, x1, y1); None stands for no limit."""
    if first is None or second is None:
        return second if first is None else first
    box = (max(first[0], second[0]), max(first[1], second[1]),
           min(first[2], second[2]), min(first[3], second[3]))
    return box if box[0] < box[2] and box[1] < box[3] else (box[0], box[1], box[0], box[1])


def _short_of_bleed(shown, trim, bleed):
    """{side: pt short} for each side where `shown` (on the page, across the trim) touches
    the trim edge but does not reach the bleed edge."""
    x0, y0, x1, y1 = shown
    if x1 - x0 <= TOUCH or y1 - y0 <= TOUCH:
        return {}
    across = x0 < trim[2] - TOUCH and x1 > trim[0] + TOUCH  # on the page, not in the slug
    down = y0 < trim[3] - TOUCH and y1 > trim[1] + TOUCH
    edges = {"left": (down, trim[0] - x0, x0 - bleed[0]),
             "right": (down, x1 - trim[2], bleed[2] - x1),
             "bottom": (across, trim[1] - y0, y0 - bleed[1]),
             "top": (across, y1 - trim[3], bleed[3] - y1)}
    return {side: short for side, (inside, past_trim, short) in edges.items()
            if inside and across and down and past_trim >= -TOUCH and short > TOUCH}


def inherited(page, key):
    node, hops = page, 0
    while isinstance(node, pikepdf.Dictionary) and hops < 64:
        if key in node:
            return node[key]
        node, hops = node.get("/Parent"), hops + 1
    return None
