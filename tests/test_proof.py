"""make_pdf.py proof, in a real headless browser (Debian's chromium, driven by Playwright).

One proof server for the module, on a copy of content/ in a temporary folder and a free
port: its first build, then an edit (shown without a reload, changed pages marked), then a
YAML mistake (shown with file and line, the last proof kept).
"""
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from conftest import CONTENT, ROOT
from helpers import copy_content, edit
from pdftext import page_texts
from test_diff import add_paragraph, rendering

from reportpress import chunks, compose, diff, pipeline, pixels, proof, words
from reportpress import content as content_module

CHROMIUM = Path("/usr/bin/chromium")
BUILD_TIMEOUT = 300  # s: a build takes 30–60 s, more on a busy machine
# a build's pages are shown first, then the print shop's checks (preflight) join them
SHOWN_AND_CHECKED = ('document.body.dataset.build === "{build}"'
                     ' && document.body.dataset.state === "ok"')


class Server:
    """`make_pdf.py proof` on a copy of `source` (a content folder)."""

    def __init__(self, folder, source=CONTENT):
        self.content = folder / "content"
        self.out = folder / "proof"
        self.log = folder / "proof.log"
        shutil.copytree(source, self.content)
        self._log = self.log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-c", "import sys; from reportpress.cli import main; "
             "sys.exit(main())", "proof", "--port", "0", "--no-browser",
             "--content", str(self.content), "--out", str(self.out)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=self._log, text=True)
        line = self.process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert found, f"the proof server did not start: {line!r}\n{self.log_text()}"
        self.url = found.group(0)

    def log_text(self):
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("proof"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser, server):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(server.url)
    wait_for(page, server, SHOWN_AND_CHECKED.format(build=1))
    yield page
    page.close()


def wait_for(page, server, condition, timeout=BUILD_TIMEOUT):
    try:
        page.wait_for_function(condition, timeout=timeout * 1000, polling=250)
    except Exception as error:  # say what the server said
        raise AssertionError(f"waited for {condition}: {error}\n"
                             f"--- proof server log ---\n{server.log_text()}") from None


def status(page):
    return page.evaluate("fetch('/status').then(r => r.json())")


def test_spreads_are_shown_in_print_order(page, build, server):
    count = status(page)["build"]["page_count"]
    assert count == len(build.pages)
    spreads = page.eval_on_selector_all(".spread", "els => els.map(e => e.dataset.pages)")
    # page 1 alone (the front cover, a right page), then left and right pages side by side
    expected = ["1"] + [f"{n} {n + 1}" if n < count else f"{n}" for n in range(2, count + 1, 2)]
    assert spreads == expected
    first = page.locator(".spread").first
    assert first.locator(".page.left.empty").count() == 1
    assert first.locator(".page.right").get_attribute("data-page") == "1"
    sides = page.eval_on_selector_all(
        ".page[data-page]", "els => els.map(e => [+e.dataset.page, e.classList.contains('left')])")
    assert all(is_left == (number % 2 == 0) for number, is_left in sides)
    assert [number for number, _ in sides] == list(range(1, count + 1))
    # page numbers under the pages, and every page image really loaded
    assert page.inner_text("#page-2 .folio") == "2"
    # (the browser loads them one after another: wait for the last, within 30 s)
    wait_for(page, server, f"[...document.images].filter(e => e.complete && e.naturalWidth)"
                         f".length >= {count}", 30)
    loaded = page.eval_on_selector_all("img", "els => els.filter(e => e.naturalWidth).length")
    assert loaded == count


def test_the_chapter_menu_leads_to_each_chapters_first_page(page, build):
    menu = page.eval_on_selector_all(
        "#chapters a", "els => els.map(e => [e.firstChild.textContent, +e.dataset.page])")
    assert [title for title, _ in menu] == [c.title for c in build.book.chapters]
    pages = [number for _, number in menu]
    assert pages[0] == 1 and pages == sorted(pages)
    werk = next(number for title, number in menu if title == "Werk")
    page.click("#chapters a:text-is('Werk')")
    page.wait_for_timeout(300)
    box = page.locator(f"#page-{werk}").bounding_box()
    assert 0 <= box["y"] < 900  # scrolled into view


def test_warnings_stand_by_their_page_and_the_pdf_is_linked(page, server):
    build = status(page)["build"]
    with_warnings = [p["number"] for p in build["pages"] if p["warnings"]]
    # preflight's, by the page: the cover photo is placed below 300 ppi
    assert any("ppi" in warning for warning in build["pages"][0]["warnings"])
    badges = page.eval_on_selector_all(
        ".page:has(.badge.warned)", "els => els.map(e => +e.dataset.page)")
    assert badges == with_warnings
    listed = page.locator("#warnings li").count()
    assert listed == sum(len(p["warnings"]) for p in build["pages"]) + len(build["warnings"])
    href = page.get_attribute("#pdf-link", "href")
    response = page.request.get(server.url + href.lstrip("/"))
    assert response.ok and response.body().startswith(b"%PDF")
    # nothing outside the proof folder: proof.log and content/ stand right beside it
    assert (server.out.parent / "proof.log").is_file()
    for outside in ("files/..%2fproof.log", "files/..%2fcontent%2freport.yaml",
                    "files/%2fetc%2fpasswd", "static/..%2fproof.py", "static/index.html"):
        assert page.request.get(server.url + outside).status == 404, outside


def test_the_first_proof_and_the_reference_build_are_identical_to_diff(page, server, build):
    """Two builds of the same content (content/ and the proof's copy of it)."""
    pdf = server.out / status(page)["build"]["pdf"].removeprefix("/files/")
    result = diff.compare(rendering(build.pdf), pdf)
    assert result.identical, result.summary()
    assert "no differences" in result.summary()


def test_the_proof_page_speaks_the_reports_language(page):
    """The report is Dutch: so are the page's own buttons, headings and status line."""
    assert page.evaluate("document.documentElement.lang") == "nl"
    assert page.inner_text("#approve") == "Proef goedkeuren"
    assert page.text_content("#sidebar h2") == "Hoofdstukken"
    assert "pagina's" in page.inner_text("#state")
    assert page.get_attribute(".page[data-page='2'] img", "alt") == "Pagina 2"
    # a report in one language: no language switch
    assert status(page)["languages"] == [{"code": "nl", "name": "Nederlands"}]
    assert page.locator("#language-switch").is_hidden()


def test_the_flatplan_shows_every_spread(browser, server, build):
    flatplan = browser.new_page()
    flatplan.goto(server.url + "flatplan")
    wait_for(flatplan, server, "document.querySelectorAll('.flat-spread').length > 0", 30)
    assert flatplan.locator(".flat-spread").count() == len(build.pages) // 2 + 1
    assert flatplan.locator(".thumb[data-page]").count() == len(build.pages)
    flatplan.close()


def test_an_edit_appears_without_a_reload_with_the_changed_pages_marked(page, server):
    page.click("#approve")
    wait_for(page, server, "document.querySelector('#approved-summary.same') !== null", 30)
    assert (server.out / "approved.pdf").is_file()
    page.evaluate("window.notReloaded = true")

    add_paragraph(server.content / "werk" / "expeditie-miriam.md")
    wait_for(page, server, SHOWN_AND_CHECKED.format(build=2))

    assert page.evaluate("window.notReloaded") is True
    build = status(page)["build"]
    changed = page.eval_on_selector_all(".page.changed", "els => els.map(e => +e.dataset.page)")
    assert changed == [p["number"] for p in build["pages"] if p["changed"]]
    assert changed and changed == sorted(changed)
    werk = next(c["page"] for c in build["chapters"] if c["id"] == "werk")
    school = next(c["page"] for c in build["chapters"] if c["id"] == "school")
    assert werk < changed[0] < school  # the story is in Werk: nothing before it changed
    assert "pagina's gewijzigd" in page.inner_text("#state")  # (the report's language)

    # and against the approved proof: the same pages differ, each with its diff image
    differs = page.eval_on_selector_all(".page.differs", "els => els.map(e => +e.dataset.page)")
    assert differs == changed
    assert "gewijzigd: pagina" in page.inner_text("#approved-summary")
    image = page.get_attribute(f"#page-{changed[0]} a.badge.differs", "href")
    response = page.request.get(server.url + image.lstrip("/"))
    assert response.ok and response.headers["content-type"] == "image/png"


def test_a_yaml_mistake_is_shown_with_file_and_line_and_the_last_proof_kept(page, server):
    chapter = server.content / "werk" / "chapter.yaml"
    lines = chapter.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith("title:"))
    lines[number] = "title: Werk: opleiding en coaching"  # a colon in a plain value
    chapter.write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.monotonic()

    wait_for(page, server, "!document.getElementById('error').hidden", 60)
    assert time.monotonic() - started < 30
    error = page.inner_text("#error")
    assert re.search(rf"werk/chapter\.yaml:{number + 1}\b", error), error
    assert "YAML" in error
    # the last good proof stays on the page
    assert page.evaluate("document.body.dataset.build") == "2"
    count = status(page)["build"]["page_count"]
    assert page.locator(".page[data-page] img").count() == count
    assert "mislukt" in page.inner_text("#state")


def test_findings_the_content_accepts_are_listed_apart_from_the_warnings(page, server):
    """Vrije tijd's photo-led story put back before the short one leaves page 22 a third
    empty; the chapter accepts that, with a reason: listed apart, not as a warning."""
    shutil.copy(CONTENT / "werk" / "chapter.yaml", server.content / "werk" / "chapter.yaml")
    chapter = server.content / "vrije-tijd" / "chapter.yaml"
    text = chapter.read_text(encoding="utf-8")
    text = re.sub(r"  - story: inclusie-doe-dag.*\n(  - story: global-peace-games).*\n",
                  r"\1\n  - story: inclusie-doe-dag\n", text)
    chapter.write_text(text.replace("kind: domain\n", "kind: domain\naccept:\n  - rule: "
                                    "page-empty\n    reason: een proef\n"), encoding="utf-8")
    wait_for(page, server, "document.querySelector('#accepted li') !== null"
                           " && document.body.dataset.state === 'ok'")

    build = status(page)["build"]
    [accepted] = build["accepted"]
    assert (accepted["rule"], accepted["accepted"]) == ("page-empty", "een proef")
    assert accepted["file"].endswith("vrije-tijd/chapter.yaml")
    number = accepted["page"]
    assert not any("[page-empty]" in w for w in build["pages"][number - 1]["warnings"])
    spread = page.locator(f".spread:has(#page-{number})")
    assert "(aanvaard: een proef)" in spread.locator(".page-accepted").inner_text()
    assert "een proef" not in page.inner_text("#warnings")
    assert f"p. {number}" in page.inner_text("#accepted")


def test_a_save_builds_a_scratch_file_does_not_and_a_folder_put_back_is_watched(tmp_path):
    """The watcher, without a browser: a story saved is built; an editor's scratch file is
    not; content/ removed (a branch switched) fails the build, and once it is back with an
    edit made meanwhile, that is built and later saves are seen again."""
    content = copy_content(tmp_path)
    proofer = proof.Proofer(content, tmp_path / "proof", log=lambda message: None)

    def until(condition):
        deadline = time.monotonic() + 120
        while not condition():
            assert time.monotonic() < deadline, "the proof did not get there"
            time.sleep(0.05)

    def shown(text):
        build = proofer.current
        pdf = build and proofer.file_for(build.pdf)
        return bool(pdf) and any(text in page for page in page_texts(pdf))

    proofer.start()
    try:
        until(lambda: proofer.current and not proofer.building)
        # every page is held as its PNG (0.4 MB), decoded only when compared, not 3 MB of
        # pixels, and is the image the page shows
        for page in proofer._rendering.pages:
            assert page.image.format == "PNG" and page.png == proofer._png(page).read_bytes()
        story = content / "thema" / "eerste-verhaal.md"
        (content / "thema" / ".eerste-verhaal.md.swp").write_text("scratch")
        (content / "thema" / "eerste-verhaal.md~").write_text("backup")
        time.sleep(0.5)
        assert proofer.attempts == 1
        edit(story, "Ann vertelt", "Anna vertelt")
        until(lambda: shown("Anna vertelt"))

        shutil.copytree(content, tmp_path / "elsewhere")
        shutil.rmtree(content)
        until(lambda: proofer.error is not None)
        edit(tmp_path / "elsewhere" / "thema" / "eerste-verhaal.md", "Anna", "Annemie")
        shutil.copytree(tmp_path / "elsewhere", content)  # (a new folder: watched anew)
        until(lambda: proofer.error is None and shown("Annemie vertelt"))
        edit(story, "Annemie", "Annelies")
        until(lambda: shown("Annelies vertelt"))
    finally:
        proofer.stop()


def test_pages_that_draw_as_before_are_not_drawn_again(tmp_path, monkeypatch):
    """The proof's pages carry a hash of what draws them in their chunk (Page.look), also
    those of a first build whose chunks all come from the cache (drawn from the merged
    PDF); after an edit, a page of the chunk laid out again that draws as before is not
    drawn again, and the pages shown are still those of the new PDF."""
    content = copy_content(tmp_path)
    pipeline.build(content, pipeline.BuildOptions(
                       output=tmp_path / "before.pdf",
                       preflight="later"))  # (into the cache)
    proofer = proof.Proofer(content, tmp_path / "proof", log=lambda message: None)
    came_back = []
    drawn = proof.proofer.drawn_pages
    monkeypatch.setattr(proof.proofer, "drawn_pages",
                        lambda futures: came_back.append(drawn(futures)) or came_back[-1])
    proofer.start()
    try:
        while not (proofer.current and not proofer.building):
            time.sleep(0.05)
        first = proofer._rendering.pages
        assert came_back[0] == [] and all(page.look for page in first)  # (drawn here)
        edit(content / "thema" / "eerste-verhaal.md", "Ann vertelt", "Anna vertelt")
        while proofer.attempts < 2 or proofer.building:
            time.sleep(0.05)
        again = came_back[1]
        not_drawn = [page for page in again if page.text is None]
        assert again and 1 <= len(not_drawn) < len(again)
        assert [(page.digest, page.text) for page in proofer._rendering.pages] == [
            (page.digest, page.text) for page in pixels.read(
                proofer.file_for(proofer.current.pdf), proof.DPI, trim=True,
                photo_cache=pipeline.lighter_photos()).pages]
    finally:
        proofer.stop()


def test_the_proofs_words_come_from_the_layouts_strings_and_the_content_may_change_them(
        tmp_path):
    content = copy_content(tmp_path)
    dutch = words.proof_words("nl", content)
    english = words.proof_words("en", content)
    assert dutch["approve"] == "Proef goedkeuren" and english["approve"] == "Approve this proof"
    assert dutch.keys() == english.keys()
    for language in ("fr", "de"):  # every language says every word
        assert words.proof_words(language, content).keys() == english.keys()
        assert words.proof_words(language, content)["approve"] != english["approve"]
    assert words.proof_words("sv", content) == english  # (none shipped: English)
    (content / "strings.yaml").write_text('proof:\n  approve: "Akkoord!"\n  nonsense: x\n'
                                         "figure.credit: \"Beeld: {credit} ({licence})\"\n",
                                         encoding="utf-8")
    assert words.proof_words("nl", content) == {**dutch, "approve": "Akkoord!"}
    book, _ = content_module.load(content)  # (the build reads past the proof's words)
    assert book.strings["figure.credit"].startswith("Beeld")
    (content / "strings.yaml").write_text("proof: [\n", encoding="utf-8")  # broken
    assert words.proof_words("nl", content) == dutch


def _layout_copy(tmp_path, monkeypatch):
    """A copy of layout/ to save stylesheets in (fonts/ and profiles/ beside it)."""
    project = tmp_path / "project"
    shutil.copytree(compose.LAYOUT_DIR, project / "layout")
    for name in ("fonts", "profiles"):
        (project / name).symlink_to(pipeline.PROJECT / name)
    monkeypatch.setattr(compose, "LAYOUT_DIR", project / "layout")
    return project / "layout"


def test_after_a_stylesheet_save_the_spread_in_view_is_laid_out_and_shown_first(
        tmp_path, monkeypatch):
    """A save under layout/ with a spread of the second chunk in view (the first chunk's
    content saved last, which an editor's save would lay out first): the second chunk is
    sent to the workers first, and its pages are shown as soon as they are drawn, every
    other page marked as still being rebuilt, before the whole build is shown; the build
    shown at the end is the new one, as it would be without any of this."""
    layout = _layout_copy(tmp_path, monkeypatch)
    content = copy_content(tmp_path)
    proofer = proof.Proofer(content, tmp_path / "proof", log=lambda message: None)
    sent, partial = [], []
    submit = chunks._submit
    monkeypatch.setattr(chunks, "_submit", lambda html, chunk, *rest: sent.append(
        chunk.chapters[0].id) or submit(html, chunk, *rest))
    show_first = proofer.show_first

    def shown_first(*args):
        show_first(*args)
        partial.append(proofer.partial)

    monkeypatch.setattr(proofer, "show_first", shown_first)

    def until(condition):
        deadline = time.monotonic() + 180
        while not condition():
            assert time.monotonic() < deadline, "the proof did not get there"
            time.sleep(0.05)

    proofer.start()
    try:
        until(lambda: proofer.current and not proofer.building)
        first = proofer.current
        assert first.rebuilding is None and not any(page.stale for page in first.pages)
        thema = next(c["page"] for c in first.chapters if c["id"] == "thema")
        proofer.view = thema - thema % 2  # (the spread's first page)
        edit(content / "online" / "chapter.yaml", "title:", "title:")  # (saved last)
        sent.clear()
        edit(layout / "typography.css", "font-size: 9.4pt;",  # (a state no cache has)
             f"font-size: 9.3pt; /* {uuid.uuid4()} */")
        until(lambda: proofer.current.number > first.number and not proofer.building)
    finally:
        proofer.stop()
    assert sent[0] == "thema" and "online" in sent  # (typography.css: every chunk)
    assert partial and partial[0] is not None
    shown = partial[-1]
    assert proofer.view in shown.rebuilding and shown.rebuilding == sorted(shown.rebuilding)
    assert thema in shown.rebuilding and 1 not in shown.rebuilding
    assert [page.number for page in shown.pages if not page.stale] == shown.rebuilding
    assert shown.data()["rebuilding"] == shown.rebuilding
    final = proofer.current
    assert final.rebuilding is None and proofer.partial is None
    assert not any(page.stale for page in final.pages)
    # the pages shown first are the pages of the finished build
    by_number = {page.number: page.digest for page in final.pages}
    assert all(by_number[page.number] == page.digest for page in shown.pages
               if not page.stale)
    assert proofer.status()["build"]["number"] == final.number
