"""The layout audit: each rule sees its fault in a small laid-out document, on its page;
the same document without the fault has no finding. Then the build: findings reported
with page and file:line, accepted by the content, failing a strict build."""
import json
import re
from pathlib import Path

import pytest
from helpers import copy_content, edit, run

from reportpress import audit, cli, render

LAYOUT = Path(__file__).resolve().parent.parent / "layout"
# A small page with a fixed leading: 16 lines of 5 mm in its 80 mm page area.
PAGE = """<style>
@page { size: 100mm 100mm; margin: 10mm; }
html { font-family: Lato; font-size: 9pt; line-height: 5mm; orphans: 1; widows: 1; }
body { margin: 0; } p, h2, h3 { margin: 0; } h2, h3 { font-size: 9pt; break-after: auto; }
.spacer { height: %(space)smm; }
</style>"""
TEXT = " ".join(["Een regel tekst die doorloopt."] * 24)


def findings(html, space=0, rule=None):
    """The audit's findings on the HTML laid out on small pages."""
    document = render.render((PAGE % {"space": space}) + html, LAYOUT, [LAYOUT])
    found = audit.find(render.read_pages(document.pages))
    return [f for f in found if rule is None or f.rule == rule]


def story(body, space=0):
    return (f'<section id="chapter-een"><article id="story-een"><div class="spacer"></div>'
            f'{body}</article></section>')


@pytest.mark.parametrize("space, found", [(65, [1]), (20, [])])
def test_a_heading_with_fewer_than_4_lines_under_it_at_the_page_foot(space, found):
    html = story(f"<h3>Een tussenkop</h3><p>{TEXT}</p>")
    result = findings(html, space, "heading-foot")
    assert [f.page for f in result] == found
    assert all("“Een tussenkop” has 2 lines under it" in f.message and f.story == "een"
               for f in result)


def test_a_heading_at_a_column_foot_with_its_text_in_the_next_column():
    html = ('<article id="story-een"><div style="columns: 2; column-fill: auto; '
            'height: 80mm"><div class="spacer"></div><h3>Kop</h3>'
            f'<p>{TEXT}</p></div></article>')
    result = findings(html, 70, "heading-foot")
    assert [(f.page, f.message.split(" has ")[1][:7]) for f in result] == [(1, "1 line ")]


@pytest.mark.parametrize("space, found", [(74, [2]), (40, [])])
def test_an_online_marker_apart_from_the_end_of_its_story(space, found):
    html = story('<p>De laatste regel van het verhaal.</p>'
                 '<p class="online-marker">Ontdek meer online.</p>')
    result = findings(html, space, "kept-apart")
    assert [f.page for f in result] == found
    assert all("the online marker stands on page 2, apart from the end of its story on "
               "page 1" in f.message for f in result)


def test_a_figure_split_from_its_caption():
    html = story('<figure style="margin: 0"><svg width="60mm" height="30mm" '
                 'style="display: block"></svg><figcaption>Het onderschrift.</figcaption>'
                 '</figure>')
    assert [(f.page, f.message) for f in findings(html, 48, "kept-apart")] == [
        (1, "a figure and its caption is split over pages 1–2")]
    assert findings(html, 20, "kept-apart") == []


def block(height, page_break=False):
    """Something `height` mm tall across the page area."""
    before = "break-before: page; " if page_break else ""
    return f'<svg width="80mm" height="{height}mm" style="{before}display: block"></svg>'


def test_a_page_inside_a_chapter_more_than_a_quarter_empty_and_a_short_last_page():
    html = (f'<section id="chapter-een">{block(50)}{block(78, True)}{block(20, True)}'
            '</section>')
    result = findings(html, 0)
    assert [(f.page, f.rule, f.chapter) for f in result] == [
        (1, "page-empty", "een"), (3, "chapter-end", "een")]
    assert "the text area is 38% empty" in result[0].message


def test_full_pages_and_a_last_page_a_third_full_are_no_finding():
    html = f'<section id="chapter-een">{block(70)}{block(78, True)}{block(30, True)}</section>'
    assert findings(html, 0) == []


NARROW = '<div style="width: 22mm">{}</div>'


def test_a_word_hyphenated_across_a_page_break():
    html = story(NARROW.format("<p>Een werk&shy;gelegenheidsplan</p>"))
    result = findings(html, 75, "hyphen-break")
    assert [(f.page, f.message) for f in result] == [
        (1, "“werk-gelegenheidsplan” is hyphenated across a page break")]
    assert findings(html, 20, "hyphen-break") == []


def test_a_hyphenation_leaving_fewer_than_3_letters():
    html = story(NARROW.format("<p>Wij ge&shy;meenschappelijk</p>"))
    assert [f.page for f in findings(html, 0, "hyphen-short")] == [1]
    html = story(NARROW.format("<p>Wij gemeen&shy;schappelijk</p>"))
    assert findings(html, 0, "hyphen-short") == []


@pytest.mark.parametrize("markup, what", [
    ("<h2>Gemeen&shy;schappelijkheid</h2>", "the heading"),
    ('<p><span data-audit="label">Gemeen&shy;schappelijkheid</span></p>', "the label"),
    ('<p><a href="https://gemeen&shy;schappelijkheid.be">gemeen&shy;schappelijkheid.be/</a>'
     '</p>', "the web address")])
def test_a_hyphenated_heading_label_or_web_address(markup, what):
    result = findings(story(NARROW.format(markup)), 0, "hyphen-forbidden")
    assert [(f.page, f.message) for f in result] == [
        (1, f"{what} “Gemeen-schappelijkheid” is hyphenated".replace(
            "Gemeen-", "gemeen-" if what == "the web address" else "Gemeen-"))]


def test_a_name_broken_over_two_lines():
    html = story(NARROW.format('<p><span data-audit="name">Hendrik De Luca</span></p>'))
    assert [f.page for f in findings(html, 0, "name-broken")] == [1]
    html = story(NARROW.format('<p><span data-audit="name" style="white-space: nowrap">'
                               'Hendrik</span></p>'))
    assert findings(html, 0, "name-broken") == []


@pytest.mark.parametrize("style, ratio", [
    ("color: device-cmyk(0% 60% 100% 0%)", "2.7:1"),  # orange on paper
    ("color: white; background: device-cmyk(60% 0% 100% 0%)", "2.4:1"),  # white on green
    ("color: device-cmyk(0% 0% 0% 60%); font-size: 7.5pt", "3.5:1")])  # 60% grey, small
def test_text_paler_than_4_5_to_1_against_what_it_is_set_on(style, ratio):
    html = story(f'<p style="{style}">Een zin in kleur.</p>', )
    result = findings(html, 70, "contrast")
    assert [f.page for f in result] == [1]
    assert f"has {ratio} contrast" in result[0].message


def test_large_text_needs_3_to_1_and_black_reads():
    large = '<p style="color: device-cmyk(0% 85% 70% 0%); font: 900 16pt Lato">Groot</p>'
    small = '<p style="color: device-cmyk(0% 85% 70% 0%); font-size: 9pt">Klein</p>'
    black = '<p style="color: device-cmyk(0% 0% 0% 100%)">Zwart</p>'
    assert [f.text for f in findings(story(large + small + black), 0, "contrast")] == [
        "Klein"]


def test_text_set_outside_the_page_is_an_error_a_picture_into_the_bleed_is_not():
    html = story('<style>@page { bleed: 3mm }</style>'
                 '<p style="position: absolute; left: 95mm; top: 40mm">Van de pagina</p>'
                 '<p style="break-before: page">Tweede pagina.</p>'
                 '<svg style="position: absolute; left: -13mm; top: 0" width="20mm" '
                 'height="20mm"></svg>')
    result = findings(html, 0, "off-page")
    assert [(f.page, f.level) for f in result] == [(1, "error")]
    assert "“Van” is set outside the page" in result[0].message
    assert findings(html.replace("95mm", "5mm"), 0, "off-page") == []
    assert [f.page for f in findings(html.replace("-13mm", "-15mm"), 0, "off-page")] == [1, 2]


@pytest.mark.parametrize("lines, found", [(16, ["Onderaan gezet"]), (8, [])])
def test_text_grown_into_a_block_placed_at_the_page_foot(lines, found):
    """A block placed at the foot (as the online part under the contents is) and text
    above it that has grown into it: the block is set over the text. Tight lines and a
    large quotation mark behind its quote are no finding."""
    foot = ('<div style="position: relative; height: 80mm">'
            + "".join(f"<p>Regel {n} boven.</p>" for n in range(lines))
            + '<p style="position: absolute; bottom: 0; margin: 0">Onderaan gezet</p></div>'
            '<p style="line-height: 0.9; font-size: 20pt; break-before: page">Dicht op '
            'elkaar<br>gezette regels</p>'
            '<blockquote style="position: relative">'
            '<span style="position: absolute; font-size: 60pt; top: -8mm">“</span>'
            'Een citaat met een groot aanhalingsteken erachter.</blockquote>')
    result = findings(story(foot), 0, "overlap")
    assert [f.text for f in result] == found
    assert all(f.page == 1 and f.level == "error" and "is set over “Regel" in f.message
               for f in result)


# --- in the build ---------------------------------------------------------------------

def short_chapter(content):
    """The mini fixture's chapter with its first story alone, without its photo: its one
    page is less than a third full."""
    chapter = content / "thema" / "chapter.yaml"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(text[:text.index("  - key_figures:")], encoding="utf-8")
    edit(content / "thema" / "eerste-verhaal.md", "figure:\n  photo: stripes\n  caption: "
         "Strepen.\n  alt: Blauwe en gele strepen.\n", "")


def run_json(capsys, *args):
    """Run the command line with --json: (exit code, stderr, the findings it printed)."""
    code = cli.main([str(a) for a in args] + ["--json"])
    captured = capsys.readouterr()
    return code, captured.err, json.loads(captured.out)["findings"]


def test_a_finding_is_reported_with_page_and_file_line_and_fails_a_strict_build(
        capsys, tmp_path):
    content = copy_content(tmp_path)
    short_chapter(content)
    code, err, found = run_json(capsys, "--content", content, "-o", tmp_path / "out.pdf")
    assert code == 0, err
    # --json: the same findings as data (the real report's build checks preflight's)
    audited = [f for f in found if f["kind"] == "audit"]
    assert sorted(f["rule"] for f in audited) == sorted(re.findall(r"\[([\w-]+)\]\n", err))
    assert all(f["file"].startswith("content/thema/") and isinstance(f["line"], int)
               and isinstance(f["page"], int) and f["accepted"] is None for f in audited)
    reported = [line for line in err.splitlines() if line.startswith("  warning:")
                and line.endswith(tuple(f"[{rule}]" for rule in audit.RULES))]
    assert reported, err
    assert all(re.match(r"  warning: content/thema/[\w.-]+:\d+: page \d+", line)
               for line in reported), reported
    code, err = run(capsys, "--content", content, "-o", tmp_path / "strict.pdf", "--strict")
    assert code == 2 and not (tmp_path / "strict.pdf").exists()


def test_content_accepts_a_finding_next_to_its_cause_and_it_is_listed_apart(
        capsys, tmp_path):
    content = copy_content(tmp_path)
    short_chapter(content)
    code, err = run(capsys, "--content", content, "-o", tmp_path / "out.pdf")
    open_ = [line.rsplit("[", 1)[-1].rstrip("]") for line in err.splitlines()
             if line.startswith("  warning:")
             and line.endswith(tuple(f"[{rule}]" for rule in audit.RULES))]
    assert open_, err
    rules = sorted(set(open_))
    edit(content / "thema" / "chapter.yaml", "kind: domain", "kind: domain\naccept:\n" + "".join(
        f"  - rule: {rule}\n    reason: a test of accepting\n" for rule in rules))
    edit(content / "thema" / "eerste-verhaal.md", "title: Het eerste verhaal",
         "title: Het eerste verhaal\naccept:\n" + "".join(
             f"  - rule: {rule}\n    reason: a test of accepting\n" for rule in rules))
    code, err, found = run_json(capsys, "--content", content, "-o", tmp_path / "out.pdf",
                                "--strict")
    assert "layout audit: 0 finding(s)" in err
    accepted = [line for line in err.splitlines() if line.startswith("  accepted:")]
    assert len(accepted) == len(open_)
    assert all("(accepted: a test of accepting)" in line for line in accepted)
    assert sorted(f["rule"] for f in found if f["kind"] == "audit") == sorted(open_)
    assert {f["accepted"] for f in found if f["kind"] == "audit"} == {"a test of accepting"}


def test_accept_must_name_a_rule(capsys, tmp_path):
    content = copy_content(tmp_path)
    edit(content / "thema" / "chapter.yaml", "kind: domain",
         "kind: domain\naccept:\n  - rule: headings\n    reason: why not\n")
    code, err = run(capsys, "--content", content, "-o", tmp_path / "out.pdf")
    assert code == 2 and "thema/chapter.yaml:3: `accept:` names no audit rule: `headings`" in err
