"""Markdown prose: checked when content is read, rendered to HTML when composing.

markdown-it-py parses; raw HTML is refused (content is data, never markup), links may only
go to the web or mail, images are refused (photos come with a story's `figure:`).
"""
import functools
import re
import unicodedata
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markupsafe import Markup

ATTRIBUTION = re.compile(r"^[—–]\s*")
SAFE_LINK = re.compile(r"^(https://|mailto:)", re.I)
# Beyond these the layout would take minutes and gigabytes (one 2 MB paragraph: 24 GB),
# or markdown-it would drop the text (past 20 levels): content errors instead.
MAX_PARAGRAPH = 8_000  # characters (the longest here: 2 700)
MAX_DEPTH = 6  # quotes and lists inside one another
CONTAINERS = {"blockquote", "bullet_list", "ordered_list"}


def _parser(html):
    md = MarkdownIt("commonmark", {"html": html, "typographer": True, "linkify": True})
    md.enable(["linkify", "replacements", "smartquotes", "strikethrough"])
    md.options["quotes"] = "“”‘’"
    return md


_CHECKER = _parser(html=True)  # sees HTML so it can be refused with its line
_CHECKER.validateLink = lambda url: True  # …and every link, so a bad one gets a message
_RENDERER = _parser(html=False)


# A rebuild (the proof's, after a save) reads every story again, mostly unchanged: what
# was worked out from a text is kept (parsing all stories twice takes ~0.06 s).
@functools.lru_cache(maxsize=1024)
def check(text, inline=False):
    """((message, line offset), …) for what prose may not contain. `inline`: a short text
    set on one line (caption, title, label, quote), read as the layout reads it."""
    tokens = _CHECKER.parseInline(text) if inline else _CHECKER.parse(text)
    return (*_too_deep(tokens), *_problems(tokens))


def _too_deep(tokens):
    """Where quotes and lists are first nested more than MAX_DEPTH deep (said once)."""
    depth = 0
    for token in tokens:
        if token.type.removesuffix("_open").removesuffix("_close") in CONTAINERS:
            depth += token.nesting
            if depth > MAX_DEPTH:
                return [(f"quotes or lists nested more than {MAX_DEPTH} deep",
                         token.map[0] if token.map else 0)]
    return []


def _problems(tokens):
    for token in tokens:
        line = token.map[0] if token.map else 0
        if token.type == "inline" and len(token.content) > MAX_PARAGRAPH:
            yield (f"a paragraph of {len(token.content):,} characters; at most "
                   f"{MAX_PARAGRAPH:,}", line)
        if token.type == "html_block":
            yield (f"HTML is not allowed in prose: {token.content.strip()[:40]!r}", line)
        if token.type == "heading_open" and token.tag == "h1":
            yield ("a story cannot have a `# ` title line; use the `title:` header and `## `"
                   " for subheadings", line)
        children = token.children or []
        for index, child in enumerate(children):
            if child.type == "html_inline":
                yield (f"HTML is not allowed in prose: {child.content[:40]!r}", line)
            elif child.type == "image":
                yield ("images are not placed in text; a photo comes with a `figure:`", line)
            elif child.type == "link_open" and not _safe_link(child, children[index + 1:]):
                yield (f"link {child.attrGet('href')!r} must start with https:// or mailto:",
                       line)


def _safe_link(link, following):
    """A link to the web (https) or mail; or a web address typed without its scheme
    (`www.x.be`, `Beweging.net`), which linkify makes a link to http://…"""
    href = link.attrGet("href") or ""
    if SAFE_LINK.match(href):
        return True
    text = following[0].content if following and following[0].type == "text" else ""
    return (link.markup == "linkify" and ":" not in text
            and href.lower() == f"http://{text}".lower())


def normalise(text):
    """Letters and digits only, lower case: for 'is this quote a repeat of the text?'."""
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[^\w]+", " ", text).strip()


@dataclass(frozen=True)
class Block:
    """A piece of a story for the templates: plain prose, or a component to lay out.
    kind: "prose" (html), "subheading" (html: its text), "pull_quote" (html; repeat: it
    repeats the story's own words), "testimonial" (html: the quote; name, role)."""

    kind: str
    html: Markup
    name: str = ""
    role: str = ""
    repeat: bool = False


@functools.lru_cache(maxsize=1024)
def blocks(text):
    """Story Markdown → Blocks (a tuple): `## ` lines are subheadings (questions in an
    interview), a `> ` quote is a pull quote, or a testimonial when it ends in
    `— Name, role`."""
    tokens = _RENDERER.parse(text)
    story_words = normalise(_plain(tokens, outside_quotes=True))
    result, prose = [], []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.level == 0 and token.type in ("blockquote_open", "heading_open"):
            if prose:
                result.append(Block("prose", _render(prose)))
                prose = []
            end = next(j for j in range(i + 1, len(tokens))
                       if tokens[j].level == 0 and tokens[j].nesting == -1)
            inner = tokens[i + 1:end]
            if token.type == "heading_open":
                result.append(Block("subheading", _render_inline(inner[0])))
            else:
                result.append(_quote(inner, story_words))
            i = end + 1
            continue
        prose.append(token)
        i += 1
    if prose:
        result.append(Block("prose", _render(prose)))
    return tuple(result)


def _quote(inner, story_words):
    inlines = [t for t in inner if t.type == "inline"]
    if len(inlines) > 1 and ATTRIBUTION.match(inlines[-1].content):
        name, _, role = ATTRIBUTION.sub("", inlines[-1].content).partition(",")
        return Block("testimonial", _render(inner[:-3]), name.strip(), role.strip())
    repeat = normalise(_plain(inner, outside_quotes=False)) in story_words
    return Block("pull_quote", _render(inner), repeat=repeat)


def _render(tokens):
    return Markup(_RENDERER.renderer.render(tokens, _RENDERER.options, {}))


def _render_inline(inline):
    return Markup(_RENDERER.renderer.render([inline], _RENDERER.options, {}))


def inline_html(text):
    """A short text (caption, label) with typographic quotes, no block markup."""
    return _RENDERER.renderInline(text)


def _plain(tokens, outside_quotes):
    depth, parts = 0, []
    for token in tokens:
        depth += token.type == "blockquote_open"
        depth -= token.type == "blockquote_close"
        if token.type == "inline" and not (outside_quotes and depth):
            parts.append(token.content)
    return " ".join(parts)
