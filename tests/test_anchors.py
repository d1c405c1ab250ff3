"""The contract between templates and code (reportpress/anchors.py): the templates write
every id and page reference the code reads back through it, never by hand."""
import re

from hypothesis import given
from hypothesis import strategies as st

from reportpress import anchors, words

IDS = st.from_regex(r"[a-z0-9]+(-[a-z0-9]+)*", fullmatch=True)
KINDS = (anchors.CHAPTER, anchors.STORY, anchors.OPENER)


def test_no_template_writes_an_anchor_id_by_hand():
    """An id or page reference spelled out in a template would drift from what the code
    reads back (chunks.py, pipeline.py, the audit); each goes through `anchors`."""
    literal = re.compile(r'(id="|href="#|page_ref\(")(' + "|".join(
        [*KINDS, anchors.ONLINE_QR, anchors.CHUNK_END, anchors.CHUNK_LEAD]) + ")")
    found = [f"{path.relative_to(words.LAYOUT_DIR)}:{number}: {line.strip()}"
             for path in sorted(words.LAYOUT_DIR.rglob("*.html"))
             for number, line in enumerate(path.read_text().splitlines(), start=1)
             if literal.search(line)]
    assert not found, found


@given(IDS, st.sampled_from(KINDS), st.integers(1, 9999))
def test_page_references_are_read_back_as_written(name, kind, page):
    target = kind + name
    html = (f"<p>{anchors.left_to_layout_markup(target)} … "
            f"{anchors.written_out_markup(target, page)}</p>")
    assert anchors.left_to_layout(html) == {target}
    assert anchors.written_out(html) == {target: page}
    assert anchors.named(target, kind) == name


def test_page_reference_markup_escapes_what_it_is_given():
    markup = str(anchors.left_to_layout_markup('x"><script>'))
    assert "<script>" not in markup and anchors.left_to_layout(markup) != {'x"><script>'}


@given(st.lists(st.tuples(IDS, st.sampled_from(KINDS), st.booleans(), st.integers(1, 999)),
                max_size=6), st.dictionaries(IDS, st.integers(1, 999), max_size=4))
def test_renumbering_writes_each_reference_as_composing_would(refs, extra):
    """anchors.renumbered turns each page reference into the markup page-ref.html would
    have written for `page_of`: out where it has the target, left to the layout where not
    (whatever the HTML had before)."""
    page_of = {kind + name: page for name, kind, known, page in refs if known}
    page_of |= {anchors.STORY + name: page for name, page in extra.items()}
    before = "".join(f"<p>{anchors.left_to_layout_markup(kind + name)} and "
                     f"{anchors.written_out_markup(kind + name, page + 1)}</p>"
                     for name, kind, _, page in refs)
    expected = "".join(
        f"<p>{markup} and {markup}</p>" for name, kind, _, _ in refs
        for markup in [anchors.written_out_markup(kind + name, page_of[kind + name])
                       if kind + name in page_of else anchors.left_to_layout_markup(kind + name)])
    assert anchors.renumbered(before, page_of) == expected


def test_a_chunk_renumbered_is_the_chunk_composed_with_its_numbers(tmp_path):
    """chunks.py composes each chunk once and writes the numbers it learns into that HTML:
    the same HTML, byte for byte, as composing it with them (every chunk of the report,
    with the page map of a build and with none)."""
    from conftest import CONTENT

    from reportpress import chunks, compose, content, pipeline

    book, _ = content.load(CONTENT)
    runs = chunks.split(book.chapters)
    page_of = pipeline.build(CONTENT, pipeline.BuildOptions(
        output=tmp_path / "report.pdf", preflight="later")).anchors
    plan = chunks._plan(runs, [2] * len(runs))
    for chunk in plan:
        bare = compose.compose(book, "print", None, chunk=chunk, page_of=None)
        for numbers in (page_of, {}, {anchors.ONLINE_QR: 7}):
            assert anchors.renumbered(bare, numbers) == compose.compose(
                book, "print", None, chunk=chunk, page_of=numbers)
