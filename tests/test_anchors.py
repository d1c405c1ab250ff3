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
