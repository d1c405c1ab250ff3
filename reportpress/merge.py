"""The chunks' PDFs merged into one: pages, bookmarks, named destinations, one copy of
each photo and one font program per face (fontmerge.py), the file's /ID from its bytes."""
import hashlib
import os
import re
import warnings

import pikepdf

from . import PROJECT, fontmerge


def merge(paths, output, finish=None, font_cache=None, make_all=map, fonts_ready=None):
    """One PDF of the chunks' pages, with the first chunk's document-level parts (metadata,
    output intent, language) and the bookmarks and named destinations of all of them.
    `finish(pdf)` is done to the merged PDF before it is saved (prepress.finish);
    `font_cache`: where the merged font programs are kept for the next merge; `make_all`:
    the map they are made through (fontmerge.py); `fonts_ready()`: waits for those being
    made elsewhere (in the cache), once the pages are merged."""
    # the file's id from its own bytes (not the chunks': their font programs, replaced
    # here, are made by whichever subsetter the machine has, render.py; nor their cache
    # keys, which hash the code too: a change to the code that changes no byte keeps it)
    _merge(paths, output, finish, font_cache, make_all, fonts_ready)
    _pin_id(output, _digest_of([output]))


def _merge(paths, output, finish, font_cache, make_all, fonts_ready=None):
    """merge without the id (pinned after)."""
    with pikepdf.open(paths[0]) as merged:
        parts = [pikepdf.open(path) for path in paths[1:]]
        try:
            outline = _outline_items(merged, 0)
            destinations = _destinations(merged, 0)
            for part in parts:
                offset = len(merged.pages)
                outline += _outline_items(part, offset)
                destinations += _destinations(part, offset)
                with warnings.catch_warnings():  # (named destinations: set just below)
                    warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                    merged.pages.extend(part.pages)
            _set_outline(merged, outline)
            _set_destinations(merged, destinations)
            _share_images(merged)
            if fonts_ready:
                fonts_ready()
            fontmerge.one_program_per_face(merged, PROJECT / "fonts", font_cache, make_all)
            if finish:
                finish(merged)
            # (streams as they are: the chunks' are compressed already, and qpdf looking
            # into them took a fifth of the merge)
            merged.save(output, static_id=True, compress_streams=True,
                        stream_decode_level=pikepdf.StreamDecodeLevel.none,
                        object_stream_mode=pikepdf.ObjectStreamMode.preserve)
        finally:
            for part in parts:
                part.close()


def _digest_of(paths):
    """32 hex digits from the files' bytes (SHA-256's first half: on a processor with SHA
    instructions it hashes a report full of photos faster than MD5)."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as file:
            while block := file.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()[:32]


STATIC_ID = b"<31415926535897932384626433832795>"  # what qpdf writes for static_id


def _pin_id(path, digest):
    """Put `digest` (32 hex digits) where qpdf's static id stands, in the trailer at the
    file's end: both halves of the /ID (the chunks have qpdf's static one too, so the
    merged file keeps no half of a chunk's)."""
    with open(path, "r+b") as file:
        size = file.seek(0, os.SEEK_END)
        file.seek(max(0, size - 64))
        xref = int(re.findall(rb"startxref\s+(\d+)", file.read())[-1])
        file.seek(xref)
        trailer = file.read()
        places = [found.start() for found in re.finditer(re.escape(STATIC_ID), trailer)]
        if not places:
            raise ValueError(f"{path}: no place for the id in its trailer")
        for place in places:
            file.seek(xref + place)
            file.write(b"<" + digest.encode() + b">")


def _share_images(pdf):
    """A photo placed in two chunks is in both chunks' PDFs: keep one copy (qpdf leaves the
    other out when nothing refers to it any more). Only images alike in size and encoding
    can be copies: only those are read and hashed."""
    uses, seen = [], set()  # uses: (resources, kind, name, image), in page order

    def visit(resources):
        if not isinstance(resources, pikepdf.Dictionary) or resources.objgen in seen:
            return
        if resources.is_indirect:
            seen.add(resources.objgen)
        for kind in ("/XObject", "/Pattern"):
            for name, item in list(resources.get(kind, {}).items()):
                if item.get("/Subtype") == "/Image":
                    uses.append((resources, kind, name, item))
                elif isinstance(item, pikepdf.Stream):
                    visit(item.get("/Resources"))

    for page in pdf.pages:
        visit(page.obj.get("/Resources"))
    alike = {}
    for use in uses:
        image = use[3]
        alike.setdefault(tuple(repr(image.get(key)) for key in (
            "/Width", "/Height", "/Filter", "/ColorSpace", "/Decode", "/Length")), []).append(use)
    for group in alike.values():
        if len({image.objgen for *_, image in group}) < 2:
            continue
        kept, digests = {}, {}
        for resources, kind, name, image in group:
            if image.objgen not in digests:
                digests[image.objgen] = hashlib.sha256(image.read_raw_bytes()).digest()
            resources[kind][name] = kept.setdefault(digests[image.objgen], image)


def _page_index(pdf, destination):
    """The index of the page an explicit destination [page /XYZ x y z] points at."""
    target = destination[0]
    for index, page in enumerate(pdf.pages):
        if page.obj.objgen == target.objgen:
            return index
    return None


def _outline_items(pdf, offset):
    """[(title, page, location values, children)] of the PDF's bookmarks."""
    def walk(items):
        found = []
        for item in items:
            destination = item.destination
            if destination is None and item.action is not None:
                destination = item.action.get("/D")
            index = _page_index(pdf, destination) if destination is not None else None
            found.append((item.title, None if index is None else index + offset,
                          [float(v) for v in destination[2:]] if destination else [],
                          walk(item.children)))
        return found

    with pdf.open_outline() as outline:
        return walk(outline.root)


def _set_outline(pdf, items):
    def build(entries):
        built = []
        for title, page, location, children in entries:
            item = pikepdf.OutlineItem(title, page, pikepdf.PageLocation.XYZ,
                                       left=location[0] if location else None,
                                       top=location[1] if len(location) > 1 else None)
            item.children.extend(build(children))
            built.append(item)
        return built

    with pdf.open_outline() as outline:
        outline.root.clear()
        outline.root.extend(build(items))


def _destinations(pdf, offset):
    """[(name, page index, rest of the destination)] of the PDF's named destinations."""
    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return []
    found = []
    for name, destination in pikepdf.NameTree(names.Dests).items():
        if isinstance(destination, pikepdf.Dictionary):
            destination = destination.D
        index = _page_index(pdf, destination)
        if index is not None:
            found.append((name, index + offset, list(destination[1:])))
    return found


def _set_destinations(pdf, destinations):
    if "/Names" not in pdf.Root:
        pdf.Root.Names = pikepdf.Dictionary()
    tree = pikepdf.NameTree.new(pdf)
    for name, index, rest in sorted(destinations, key=lambda d: d[0]):
        tree[name] = pikepdf.Array([pdf.pages[index].obj, *rest])
    pdf.Root.Names.Dests = tree.obj
