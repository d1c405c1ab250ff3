"""The contract between the templates and the code, in one place.

The templates give elements ids the code reads back, from the HTML (chunks.py plans page
references with them) and from the laid-out pages (WeasyPrint's anchors: where each
chapter, story and opener quote landed). The templates that write each:

    chapter-<chapter id>   the <section> of a chapter        layout/chapters/*.html
    story-<story id>       the <article> of a story          layout/components/story.html
                           (and the letter's heading)        layout/chapters/letter.html
    opener-<chapter id>    an opener's quote page            layout/components/opener.html
    online-qr              the inside cover's QR code        layout/chapters/online.html
    chunk-end              where a chunk's own pages end     layout/components/chunk.html

and a page reference (layout/components/page-ref.html) is either left to the layout,
`<a class="page-ref" href="#TARGET"></a>`, or written out by the code,
`<span class="page-ref" data-target="TARGET">N</span>`. The templates write all of these
through this module (compose.py gives it to them as `anchors`), so the two sides cannot
drift apart.
"""
import html as html_text
import re

from markupsafe import Markup

CHAPTER, STORY, OPENER = "chapter-", "story-", "opener-"
ONLINE_QR = "online-qr"
CHUNK_END = "chunk-end"
CHUNK_LEAD = "chunk-lead"  # the lead page before a chunk that starts on a left page
CHUNK = "chunk-"  # the ids of the pages a chunk lays out around itself (dropped again)

LEFT_TO_LAYOUT = re.compile(r'<a class="page-ref" href="#([^"]+)"')
WRITTEN_OUT = re.compile(r'<span class="page-ref" data-target="([^"]+)">(\d+)</span>')
PAGE_REF = re.compile(r'<a class="page-ref" href="#([^"]+)"></a>'
                      r'|<span class="page-ref" data-target="([^"]+)">\d+</span>')
ID = re.compile(r' id="([^"]+)"')


def chapter(chapter_id):
    return CHAPTER + chapter_id


def story(story_id):
    return STORY + story_id


def opener(chapter_id):
    return OPENER + chapter_id


def named(anchor, kind):
    """The chapter or story id an anchor names (`kind`: CHAPTER, STORY, OPENER), or None."""
    return anchor.removeprefix(kind) if anchor.startswith(kind) else None


def left_to_layout_markup(target):
    """A page reference the layout fills in (page.css: `target-counter`)."""
    return Markup('<a class="page-ref" href="#{}"></a>').format(target)


def written_out_markup(target, page):
    """A page reference written out from the page map (checked after layout)."""
    return Markup('<span class="page-ref" data-target="{}">{}</span>').format(target, int(page))


def renumbered(html, page_of):
    """The HTML with each page reference written out where `page_of` ({target: page}) has
    its target, and left to the layout where not: what composing it with that `page_of`
    gives (page-ref.html writes one of these two markups, and nothing else)."""
    def markup(found):
        target = html_text.unescape(found[1] or found[2])
        if target in page_of:
            return written_out_markup(target, page_of[target])
        return left_to_layout_markup(target)

    return PAGE_REF.sub(markup, html)


def ids_in(html):
    """Every id the HTML gives an element, in order."""
    return ID.findall(html)


def named_in(html, kind):
    """The chapter or story ids of the anchors of `kind` in the HTML, in order, once."""
    return list(dict.fromkeys(name for anchor in ids_in(html)
                              if (name := named(anchor, kind)) is not None))


def chapter_html(html, chapter_id):
    """The part of a chunk's HTML from the chapter's section to the next chapter's."""
    start = html.find(f' id="{chapter(chapter_id)}"')
    if start < 0:
        return ""
    end = html.find(f' id="{CHAPTER}', start + 1)
    return html[start:end if end >= 0 else len(html)]


def written_out(html):
    """{target: page} of the page references the code wrote out in the HTML."""
    return {target: int(page) for target, page in WRITTEN_OUT.findall(html)}


def left_to_layout(html):
    """The targets of the page references the HTML leaves to the layout."""
    return set(LEFT_TO_LAYOUT.findall(html))
