"""The organisation's logo: an SVG file in content/, read as data, never as a document.

An SVG can carry scripts, event handlers, links to other files or to the network, entities
that expand without end, and fonts the build does not have. A logo needs none of that: it
is shapes. So the file is parsed (no DOCTYPE, no entities), and only shapes and their
geometry are kept, each element checked by name and each attribute by name and value;
anything that refers to something outside the file (href, url() other than `#id`) or that
could run (script, on…) is a content error with its line. What is printed is what was
checked: the logo is written out anew from the parsed shapes.

The mark is printed in one ink (white out of the covers' colour, as the covers use it), so
every fill and stroke becomes INK, which the layout replaces with its colour: a logo's own
RGB colours never reach the CMYK print file.
"""
import re
from pathlib import Path
from xml.parsers import expat

from markupsafe import escape

from .. import model
from .fields import shown

SVG = "http://www.w3.org/2000/svg"
MAX_BYTES = 512 * 1024
INK = model.Logo.INK
SHAPES = {"svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
          "title", "desc", "defs", "clipPath"}
GEOMETRY = {"d", "x", "y", "width", "height", "cx", "cy", "r", "rx", "ry", "x1", "y1", "x2",
            "y2", "points", "transform", "viewBox", "preserveAspectRatio", "id",
            "fill-rule", "clip-rule", "stroke-width", "stroke-linecap", "stroke-linejoin",
            "stroke-miterlimit", "opacity", "fill-opacity", "stroke-opacity", "clip-path",
            "clipPathUnits"}
PAINT = {"fill", "stroke"}
SAFE_VALUE = re.compile(r"^[\w\s.,:;%#+\-()/]*$")  # numbers, path data, names, url(#id)


def read(r, f, key="logo"):
    """The logo a chapter names under `key` (a file in content/), or None (reported)."""
    name = f.get(key, str, required=False)
    if not name:
        return None
    line = f.key_line(key)
    path = _path(r, name, f.file, line)
    if path is None:
        return None
    text = r.read_text(path, "logo")
    if text is None:
        return None
    rel = r.rel(path)
    svg, problem, problem_line = _clean(text)
    if problem:
        r.report.error(f"logo {name}: {problem}", rel, problem_line,
                       hint="a logo is shapes only: save it as plain SVG (text as outlines, "
                            "no links, scripts or embedded images)")
        return None
    return model.Logo(svg, rel)


def _path(r, name, file, line):
    candidate = Path(name)
    if candidate.is_absolute() or ".." in candidate.parts:
        r.report.error(f"logo path {name!r} must be relative and stay inside content/",
                       file, line)
        return None
    path = r.dir / candidate
    if candidate.suffix.lower() != ".svg":
        r.report.error(f"logo {name!r} must be an SVG file (.svg), not "
                       f"{candidate.suffix or 'a file without extension'}", file, line,
                       hint="a vector logo prints sharp at any size")
        return None
    if not r.confined(path, file, line, "logo"):
        return None
    if not path.is_file():
        r.report.error(f"logo {name!r} not found", file, line,
                       hint=f"looked for {r.rel(path)}")
        return None
    if path.stat().st_size > MAX_BYTES:
        r.report.error(f"logo {name!r} is {path.stat().st_size:,} bytes; at most "
                       f"{MAX_BYTES:,}", file, line)
        return None
    return path


class _Refused(Exception):
    def __init__(self, message, line):
        super().__init__(message)
        self.line = line


def _clean(text):
    """(the checked SVG, None, None), or (None, the problem, its line)."""
    parser = expat.ParserCreate(namespace_separator=" ")
    out, depth = [], []

    def refuse(message):
        raise _Refused(message, parser.CurrentLineNumber)

    def start(tag, attributes):
        namespace, _, name = tag.rpartition(" ")
        if namespace != SVG:
            refuse("the file is not SVG" if not out else f"element {shown(name)} is not SVG")
        if name not in SHAPES:
            refuse(f"<{name}> is not allowed in a logo")
        if not out and name != "svg":
            refuse("the file is not SVG")
        kept = _attributes(name, attributes, refuse, root=not out)
        out.append(f"<{name}" + "".join(f' {k}="{escape(v)}"' for k, v in kept) + ">")
        depth.append(name)

    def end(tag):
        out.append(f"</{depth.pop()}>")

    def data(chars):
        if depth and depth[-1] in ("title", "desc"):
            out.append(str(escape(chars)))
        elif chars.strip():
            refuse("text outside shapes (text must be converted to outlines)")

    def refuse_declaration(*_):
        refuse("a DOCTYPE or entity declaration is not allowed in a logo")

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = data
    parser.StartDoctypeDeclHandler = refuse_declaration
    parser.EntityDeclHandler = refuse_declaration
    parser.ProcessingInstructionHandler = lambda target, _: (
        None if target == "xml" else refuse("processing instructions are not allowed"))
    try:
        parser.Parse(text, True)
    except _Refused as refused:
        return None, str(refused), refused.line
    except expat.ExpatError as error:
        return None, f"cannot be read as XML: {expat.errors.messages[error.code]}", error.lineno
    if not out:
        return None, "the file is not SVG", 1
    return "".join(out), None, None


def _attributes(name, attributes, refuse, root):
    """The element's attributes that are kept: geometry as it is, paint as INK; a reference
    to anything outside the file, or code, refused."""
    kept = {}
    declared = dict(attributes)
    for decl in declared.pop("style", "").split(";"):  # (style="fill:#000; …": the same)
        key, _, value = decl.partition(":")
        if key.strip():
            declared.setdefault(key.strip(), value.strip())
    for attribute, value in declared.items():
        local = attribute.rpartition(" ")[2]
        if local.lower().startswith("on"):
            refuse(f"the event handler {shown(local)} is not allowed (no scripts)")
        if "href" in local.lower():
            refuse(f"{local}={shown(value)}: a logo may not refer to another file or address")
        if "url(" in value.replace(" ", "") and not re.fullmatch(r"\s*url\(\s*#[\w\-]+\s*\)\s*",
                                                                 value):
            refuse(f"{local}={shown(value)}: a logo may not refer to another file or address")
        if local in PAINT:
            kept[local] = value if value.strip() in ("none", "transparent") else INK
        elif local in GEOMETRY:
            if not SAFE_VALUE.match(value):
                refuse(f"{local}={shown(value)} is not a plain value")
            kept[local] = value
    if root:
        kept.setdefault("fill", INK)  # (SVG's default paint is black: the ink instead)
        if "viewBox" not in kept:
            size = [re.fullmatch(r"\s*([\d.]+)\s*(px)?\s*", kept.get(k, "")) for k in
                    ("width", "height")]
            if not all(size):
                refuse("the logo needs a viewBox (or a width and height in pixels)")
            kept["viewBox"] = f"0 0 {size[0].group(1)} {size[1].group(1)}"
        kept.pop("width", None), kept.pop("height", None)  # (the layout sizes it)
        kept["xmlns"] = SVG
    return sorted(kept.items())
