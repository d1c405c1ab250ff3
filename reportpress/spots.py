"""Spot colours: a palette colour printed as its own ink (a Pantone, say).

CSS (and so WeasyPrint) knows only process colours, so a spot colour reaches the PDF as
its CMYK alternate, `device-cmyk()`. After WeasyPrint, every fill and stroke painted in
exactly that CMYK, or in a tint of it (the same four values scaled alike), is painted in
a Separation colour space named for the ink instead, with the CMYK as its alternate: text,
backgrounds, rules and SVG charts alike. content/settings.py makes sure no two colours of the
palette share an alternate, so the mapping back is exact.
"""
import pikepdf

CMYK = "/DeviceCMYK"


def apply(pdf, spots):
    """`spots`: [(ink name, (c, m, y, k) as fractions)]. Rewrites the pages of `pdf` (an
    open pikepdf.Pdf) and the forms they draw."""
    if not spots:
        return
    spaces = [_separation(pdf, name, alternate) for name, alternate in spots]
    names = [pikepdf.Name(f"/RPSpot{index}") for index in range(len(spots))]
    done = set()
    for page in pdf.pages:
        _rewrite_holder(pdf, page.obj, spots, names, spaces, done)


def _separation(pdf, name, alternate):
    tint = pdf.make_indirect(pikepdf.Dictionary(
        FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0], C1=list(alternate), N=1))
    return pdf.make_indirect(pikepdf.Array(
        [pikepdf.Name.Separation, pikepdf.Name("/" + name), pikepdf.Name.DeviceCMYK, tint]))


def _rewrite_holder(pdf, holder, spots, names, spaces, done):
    """Rewrite the content of a page or form, then of the forms it draws."""
    key = holder.objgen
    if key in done and key != (0, 0):
        return
    done.add(key)
    resources = holder.get("/Resources")
    operations = pikepdf.parse_content_stream(holder)
    rewritten, used = _rewrite(operations, [alt for _, alt in spots], names)
    if used:
        if resources is None:
            resources = holder.Resources = pikepdf.Dictionary()
        if "/ColorSpace" not in resources:
            resources.ColorSpace = pikepdf.Dictionary()
        for index in sorted(used):
            resources.ColorSpace[names[index]] = spaces[index]
        data = pikepdf.unparse_content_stream(rewritten)
        if isinstance(holder, pikepdf.Stream):
            holder.write(data)
        else:
            holder.Contents = pdf.make_stream(data)
    for xobject in (resources or {}).get("/XObject", {}).values():
        if xobject.get("/Subtype") == "/Form":
            _rewrite_holder(pdf, xobject, spots, names, spaces, done)


class _Side:
    """Fill or stroke: the space the original content set, and the one written."""

    def __init__(self):
        self.meant = self.written = "/DeviceGray"


def _rewrite(operations, alternates, names):
    """The operations with spot-coloured paint; and the indexes of the spots used."""
    sides, stack, out, used = {"fill": _Side(), "stroke": _Side()}, [], [], set()
    for operands, operator in operations:
        op = str(operator)
        side = sides["fill" if op.islower() else "stroke"] if op in COLOUR_OPS else None
        if op == "q":
            stack.append({name: vars(s).copy() for name, s in sides.items()})
        elif op == "Q" and stack:
            for name, saved in stack.pop().items():
                vars(sides[name]).update(saved)
        elif op in ("cs", "CS"):
            side.meant = side.written = str(operands[0])
        elif op in ("g", "G", "rg", "RG"):
            side.meant = side.written = "other"
        elif op in ("k", "K", "sc", "scn", "SC", "SCN"):
            out += _colour(op, operands, side, alternates, names, used)
            continue
        out.append((operands, operator))
    return out, used


COLOUR_OPS = {"cs", "CS", "g", "G", "rg", "RG", "k", "K", "sc", "scn", "SC", "SCN"}


def _colour(op, operands, side, alternates, names, used):
    """The operations that set this colour: in a spot where it is one (or a tint of one)."""
    stroke = op.isupper()
    if op in ("k", "K"):
        side.meant = CMYK
    values = [float(v) for v in operands] if not any(
        isinstance(v, pikepdf.Name) for v in operands) else None
    found = _spot_of(values, alternates) if side.meant == CMYK and values else None
    if found is not None:
        index, tint = found
        used.add(index)
        side.written = str(names[index])
        return [([names[index]], pikepdf.Operator("CS" if stroke else "cs")),
                ([round(tint, 5)], pikepdf.Operator("SCN" if stroke else "scn"))]
    if op in ("k", "K"):
        side.written = CMYK
        return [(operands, pikepdf.Operator(op))]
    setting = []
    if side.written != side.meant:  # a spot was written since the content set its space
        setting = [([pikepdf.Name(side.meant)], pikepdf.Operator("CS" if stroke else "cs"))]
        side.written = side.meant
    return [*setting, (operands, pikepdf.Operator(op))]


def _spot_of(values, alternates):
    """(index, tint) of the spot whose alternate these four values are, or a tint of."""
    if len(values) != 4 or max(values) <= 0:
        return None
    for index, alternate in enumerate(alternates):
        peak = max(range(4), key=lambda i: alternate[i])
        if alternate[peak] <= 0:
            continue
        tint = values[peak] / alternate[peak]
        if 0 < tint <= 1.0001 and all(abs(v - tint * a) < 0.0005
                                      for v, a in zip(values, alternate, strict=True)):
            return index, min(tint, 1.0)
    return None
