"""Small black text and rules overprint, as print shops expect.

Text in 100 % K that knocks out of a tint or a chapter colour leaves a white halo wherever
the plates misregister; set to overprint, the black prints on top of the colour and no gap
can show. WeasyPrint writes no overprint, so after it each page's content is read op by op
and an ExtGState that turns overprint on (`/OP true /op true /OPM 1`) is set before each
run of 100 K text under the size limit and each 100 K stroke, and one that turns it off
before anything else is painted. White never overprints (it would vanish), nor does
anything in another colour. Forms (SVG drawings) are left as they are. A build sets it
as WeasyPrint writes each PDF (`apply_while_written`); `apply` does it to a PDF written.
"""
import math

import pikepdf
import pydyf

from .preflight.contents import multiply  # (PDF's matrices, read the same way)
from .preflight.limits import IDENTITY

ON, OFF = pikepdf.Name("/RPOverprint"), pikepdf.Name("/RPKnockout")
# the graphics states set (ExtGState entries), by name
STATES = {ON: {"OP": True, "op": True, "OPM": 1}, OFF: {"OP": False, "op": False}}
BLACK = (0.0, 0.0, 0.0, 1.0)
TEXT_SHOWING = {"Tj", "TJ", "'", '"'}
STROKING = {"S", "s"}
PAINTING = {"f", "F", "f*", "B", "B*", "b", "b*", "sh", "Do", "BI", "EI"} | STROKING


def apply(pdf, below_pt):
    """Make the small black text and black rules of every page of `pdf` (an open
    pikepdf.Pdf) overprint; `below_pt`: text at this size or larger knocks out as usual."""
    for page in pdf.pages:
        operations = pikepdf.parse_content_stream(page)
        rewritten, changed = _rewrite(operations, below_pt)
        if changed:
            _add_states(pdf, page)
            page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(rewritten))


def apply_while_written(pdf, below_pt):
    """`apply`, to WeasyPrint's PDF as it is written (a pydyf.PDF: render.write_document
    hands it over before its streams are compressed): the file is not read and written
    again after. WeasyPrint (checked against 70.0) gives a
    page its content as one stream of operators, and its resources by reference."""
    scratch = pikepdf.new()  # (pikepdf reads the operators: as `apply` reads them)
    for number in pdf.pages["Kids"][::3]:  # (pydyf lists them as: number 0 R)
        page = pdf.objects[number]
        content = pdf.objects[_referred(page["Contents"])]
        operators = b"\n".join(pydyf._to_bytes(item) for item in content.stream)
        rewritten, changed = _rewrite(
            pikepdf.parse_content_stream(pikepdf.Stream(scratch, operators)), below_pt)
        if changed:
            content.stream = [pikepdf.unparse_content_stream(rewritten)]
            states = pdf.objects[_referred(page["Resources"])]["ExtGState"]
            for name, entries in STATES.items():  # (pydyf writes what it is given: "true")
                states[str(name)[1:]] = pydyf.Dictionary({"Type": "/ExtGState", **{
                    key: str(value).lower() if isinstance(value, bool) else value
                    for key, value in entries.items()}})


def _referred(reference):
    """The object number of a pydyf reference (b"12 0 R")."""
    return int(reference.split()[0])


def _add_states(pdf, page):
    resources = page.obj.get("/Resources")
    if resources is None:
        resources = page.obj.Resources = pikepdf.Dictionary()
    states = resources.get("/ExtGState")
    if states is None:
        states = resources.ExtGState = pikepdf.Dictionary()
    for name, entries in STATES.items():
        states[name] = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.ExtGState,
                                                            **entries))


class _State:
    """What the graphics state says about painting, as far as overprint cares: colours
    are kept only where they are DeviceCMYK (None otherwise)."""

    def __init__(self):
        self.ctm, self.overprint = IDENTITY, False
        self.fill = self.stroke = None
        self.fill_space = self.stroke_space = "/DeviceGray"

    def copy(self):
        state = _State()
        state.__dict__.update(self.__dict__)
        return state

    def set_space(self, op, space):
        if op.islower():
            self.fill_space, self.fill = space, None
        else:
            self.stroke_space, self.stroke = space, None

    def set_colour(self, op, operands):
        space = self.fill_space if op.islower() else self.stroke_space
        cmyk = (space == "/DeviceCMYK" and len(operands) == 4
                and not any(isinstance(o, pikepdf.Name) for o in operands))
        colour = tuple(float(o) for o in operands) if cmyk else None
        if op.islower():
            self.fill = colour
        else:
            self.stroke = colour


def _rewrite(operations, below_pt):
    """The operations with the overprint states set where wanted; and whether any was."""
    state, stack, out, changed = _State(), [], [], False
    font_size, text_matrix = 0.0, IDENTITY
    for operands, operator in operations:
        op = str(operator)
        if op in TEXT_SHOWING or op in PAINTING:
            wanted = _wanted(op, state, font_size, text_matrix, below_pt)
            if wanted != state.overprint:
                out.append(([ON if wanted else OFF], pikepdf.Operator("gs")))
                state.overprint, changed = wanted, True
        out.append((operands, operator))
        if op == "q":
            stack.append(state.copy())
        elif op == "Q" and stack:
            state = stack.pop()
        elif op == "cm":
            state.ctm = multiply(_numbers(operands), state.ctm)
        elif op in ("k", "K"):
            state.set_space(op, "/DeviceCMYK")
            state.set_colour(op, operands)
        elif op in ("g", "G", "rg", "RG"):
            state.set_space(op, "other")
        elif op in ("cs", "CS"):
            state.set_space(op, str(operands[0]))
        elif op in ("sc", "scn", "SC", "SCN"):
            state.set_colour(op, operands)
        elif op == "BT":
            text_matrix = IDENTITY
        elif op == "Tm":
            text_matrix = tuple(_numbers(operands))
        elif op == "Tf":
            font_size = float(operands[1])
    return out, changed


def _wanted(op, state, font_size, text_matrix, below_pt):
    if op in TEXT_SHOWING:
        size = font_size * _scale(multiply(text_matrix, state.ctm))
        return state.fill == BLACK and 0 < size < below_pt
    if op in STROKING:
        return state.stroke == BLACK
    return False


def _numbers(operands):
    return [float(value) for value in operands]


def _scale(matrix):
    """How much the matrix scales lengths (the square root of its area factor)."""
    a, b, c, d, _, _ = matrix
    return math.sqrt(abs(a * d - b * c))
