"""Markdown prose: checked when content is read, rendered to HTML when composing.

markdown-it-py parses; raw HTML is refused (content is data, never markup), links may only
go to the web or mail, images are refused (photos come with a story's `figure:`).
"""
import re
import unicodedata

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import escape

ATTRIBUTION = re.compile(r"^[—–]\s*")
SAFE_LINK = re.compile(r"^(https?://|mailto:)", re.I)


def _parser(html):
    md = MarkdownIt("commonmark", {"html": html, "typographer": True, "linkify": True})
    md.enable(["linkify", "replacements", "smartquotes", "strikethrough"])
    md.options["quotes"] = "“”‘’"
    return md


_CHECKER = _parser(html=True)  # sees HTML so it can be refused with its line
_CHECKER.validateLink = lambda url: True  # …and every link, so a bad one gets a message
_RENDERER = _parser(html=False)


def check(text):
    """Yield (message, line offset) for what prose may not contain."""
    for token in _CHECKER.parse(text):
        line = token.map[0] if token.map else 0
        if token.type == "html_block":
            yield (f"HTML is not allowed in prose: {token.content.strip()[:40]!r}", line)
        if token.type == "heading_open" and token.tag == "h1":
            yield ("a story cannot have a `# ` title line; use the `title:` header and `## `"
                   " for subheadings", line)
        for child in token.children or []:
            if child.type == "html_inline":
                yield (f"HTML is not allowed in prose: {child.content[:40]!r}", line)
            elif child.type == "image":
                yield ("images are not placed in prose; give the story a `figure:`", line)
            elif child.type == "link_open" and not SAFE_LINK.match(child.attrGet("href") or ""):
                yield (f"link {child.attrGet('href')!r} must start with https:// or mailto:",
                       line)


def normalise(text):
    """Letters and digits only, lower case: for 'is this quote a repeat of the text?'."""
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[^\w]+", " ", text).strip()


def to_html(text, interview=False):
    """Story body → HTML. `## ` → h3 (story titles are h2); blockquotes become pull quotes
    or, with a closing `— Name, role` paragraph, testimonials. A pull quote that repeats
    the story's own words is marked data-repeat (the digital edition does not read it twice)."""
    tokens = _RENDERER.parse(text)
    story_words = normalise(_plain(tokens, outside_quotes=True))
    _shape_headings(tokens, interview)
    _shape_quotes(tokens, story_words)
    return _RENDERER.renderer.render(tokens, _RENDERER.options, {})


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


def _shape_headings(tokens, interview):
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = "h3"
            if interview and token.type == "heading_open":
                token.attrSet("class", "question")


def _shape_quotes(tokens, story_words):
    for start, token in enumerate(tokens):
        if token.type != "blockquote_open" or token.level != 0:
            continue
        end = next(i for i in range(start, len(tokens))
                   if tokens[i].type == "blockquote_close" and tokens[i].level == 0)
        inner = tokens[start + 1:end]
        inlines = [t for t in inner if t.type == "inline"]
        last = inlines[-1] if inlines else None
        if last is not None and ATTRIBUTION.match(last.content) and len(inlines) > 1:
            token.attrSet("class", "testimonial")
            _make_attribution(tokens, tokens.index(last))
        else:
            token.attrSet("class", "pull-quote")
            if normalise(_plain(inner, outside_quotes=False)) in story_words:
                token.attrSet("data-repeat", "true")


def _make_attribution(tokens, index):
    """Turn the `— Name, role` paragraph into <footer><span class=name>…"""
    inline = tokens[index]
    name, _, role = ATTRIBUTION.sub("", inline.content).partition(",")
    html = f'<span class="name">{escape(name.strip())}</span>'
    if role.strip():
        html += f'<span class="role">{escape(role.strip())}</span>'
    tokens[index - 1].tag = tokens[index + 1].tag = "footer"
    tokens[index - 1].attrSet("class", "attribution")
    replacement = Token("html_inline", "", 0)
    replacement.content = html
    inline.children = [replacement]
