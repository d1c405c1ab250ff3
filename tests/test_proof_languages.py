"""The proof of a report in two languages (tests/fixtures/bilingual: Dutch first, French):
each language's edition built when a page asks for it and kept up to date on save while a
page shows it, the page's words in the language shown, the two editions side by side spread
by spread. The server's data is tested over HTTP; one browser test drives the page."""
import json
import threading
import time
import urllib.request

import pytest
from helpers import FIXTURES, copy_content, edit
from pdftext import page_texts
from test_proof import BUILD_TIMEOUT, Server, browser, status, wait_for  # noqa: F401

from reportpress import proof, words

BILINGUAL = FIXTURES / "bilingual"
STORY = ("werk", "houtatelier")  # (its texts below are the fixture's)
DUTCH = "Karim werkt al zes maanden met hout"
FRENCH = "Karim travaille le bois depuis six mois"
# a French story that runs longer than its Dutch source (no figures: only the paragraph
# count differs, a warning in both editions)
LONGER = "\n\n".join(["L’atelier prépare aussi les tables, les chaises et les armoires des "
                      "écoles voisines ; chaque meuble passe par trois mains avant de "
                      "partir, et chaque stagiaire apprend à mesurer, scier, poncer et "
                      "vernir avec soin, à son rythme, entouré par l’équipe."] * 20)


def _texts(pdf):
    """Each page's text, its lines joined (a sentence may be broken over two)."""
    return [" ".join(text.split()) for text in page_texts(pdf)]


def _until(condition, what, timeout=BUILD_TIMEOUT):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"the proof did not get there: {what}"
        time.sleep(0.05)


class Served:
    """A Proofer and its HTTP server in this process (port 0), asked as the page asks."""

    def __init__(self, content, out):
        self.proofer = proof.Proofer(content, out, log=lambda message: None)
        self.server = proof.make_server(self.proofer, 0)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.proofer.start()

    def get(self, path, method="GET"):
        request = urllib.request.Request(self.url + path, method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read()

    def status(self, query=""):
        return json.loads(self.get(f"/status{query}"))

    def texts(self, build):
        """The text of each page of a build's PDF, as served."""
        pdf = self.proofer.main.out_dir.parent / "served.pdf"
        pdf.write_bytes(self.get(build["pdf"]))
        return _texts(pdf)

    def stop(self):
        self.proofer.stop()
        self.server.shutdown()
        self.server.server_close()


def _built(served, query, after=0):
    """The status once the edition asked for has a finished build newer than `after`."""
    found = {}

    def ready():
        found.update(served.status(query))
        return (found["build"] and found["build"]["number"] > after
                and not found["build"]["rebuilding"] and not found["building"])

    _until(ready, query)
    return found


def test_each_language_is_an_edition_built_when_asked_and_rebuilt_on_save_while_shown(
        tmp_path):
    content = copy_content(tmp_path, "bilingual")
    served = Served(content, tmp_path / "proof")
    try:
        main = _built(served, "")
        assert main["language"] == main["main"] == "nl"
        assert main["languages"] == [{"code": "nl", "name": "Nederlands"},
                                     {"code": "fr", "name": "Français"}]
        assert served.proofer.editions == {}  # (French: not built until a page asks)
        assert any(DUTCH in text for text in served.texts(main["build"]))

        french = _built(served, "?lang=fr")
        assert french["language"] == "fr" and french["main"] == "nl"
        assert french["words"] == words.proof_words("fr", content)
        assert french["words"]["approve"] != main["words"]["approve"]
        assert french["build"]["pdf_name"] == "rapport-annuel-2023.pdf"
        texts = served.texts(french["build"])
        assert len(texts) == french["build"]["page_count"] == len(french["build"]["pages"])
        assert any(FRENCH in text for text in texts)
        assert not any(DUTCH in text for text in texts)
        # its findings are its own (the layout audit ran on the French pages)
        assert any("[blank-page]" in w for p in french["build"]["pages"] for w in p["warnings"])
        image = french["build"]["pages"][0]["image"]
        assert image.startswith("/files/editions/fr/pages/")
        assert served.get(image).startswith(b"\x89PNG")

        side = served.status("?side=fr")
        assert (side["language"], side["beside"]["language"]) == ("nl", "fr")
        assert side["beside"]["build"]["number"] == french["build"]["number"]
        assert served.status("?lang=xx")["language"] == "nl"  # (no such edition: the main)

        # a save to a French story: the French edition shown is built again
        edit(content.joinpath(*STORY[:-1], f"{STORY[-1]}.fr.md"), "Karim travaille",
             "Karima travaille")
        again = _built(served, "?lang=fr", after=french["build"]["number"])
        assert any("Karima travaille" in text for text in served.texts(again["build"]))
        assert not any("Karima" in text for text in served.texts(_built(served, "")["build"]))

        # no page shows it any more: a save leaves it until a page asks again
        edition = served.proofer.editions["fr"]
        edition.asked -= proof.SHOWN_FOR
        attempts, main_attempts = edition.attempts, served.proofer.attempts
        edit(content.joinpath(*STORY[:-1], f"{STORY[-1]}.fr.md"), "Karima", "Karim")
        _until(lambda: served.proofer.attempts > main_attempts
               and not served.proofer.building, "the main edition rebuilt")
        time.sleep(0.5)
        assert edition.attempts == attempts and edition.missed
        back = _built(served, "?lang=fr", after=again["build"]["number"])
        assert any(FRENCH in text for text in served.texts(back["build"]))

        # approving the French proof keeps the French PDF, apart from the main one's
        assert json.loads(served.get("/approve?lang=fr", "POST")) == {"approved": True}
        approved = served.status("?lang=fr")["approved"]
        assert approved["pdf"] == "/files/editions/fr/approved.pdf"
        assert served.get(approved["pdf"]) == served.get(back["build"]["pdf"])
        assert served.status("")["approved"] is None
    finally:
        served.stop()


def test_a_report_in_one_language_has_no_other_edition(tmp_path):
    content = copy_content(tmp_path, "mini")
    proofer = proof.Proofer(content, tmp_path / "proof", log=lambda message: None)
    assert [language["code"] for language in proofer.status()["languages"]] == ["nl"]
    assert proofer.edition("fr") is None and proofer.edition("nl") is proofer


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The proof of the fixture with its French story running a page longer."""
    folder = tmp_path_factory.mktemp("proof-languages")
    source = copy_content(folder / "source", "bilingual")
    story = source.joinpath(*STORY[:-1], f"{STORY[-1]}.fr.md")
    story.write_text(story.read_text(encoding="utf-8") + "\n" + LONGER + "\n", "utf-8")
    server = Server(folder, source)
    yield server
    server.stop()


def test_the_switch_shows_the_french_edition_and_both_side_by_side(browser, server):  # noqa: F811
    page = browser.new_page(viewport={"width": 1600, "height": 900})
    try:
        page.goto(server.url + "?lang=fr")
        wait_for(page, server, 'document.body.dataset.build === "1"'
                               ' && document.body.dataset.state === "ok"')
        main = status(page)  # (/status alone: the main edition's)
        assert page.evaluate("document.documentElement.lang") == "fr"
        assert page.locator("#language-switch").is_visible()
        assert page.input_value("#language") == "fr"
        options = page.eval_on_selector_all("#language option", "els => els.map(e => e.value)")
        assert options == ["nl", "fr", "side:fr"]
        assert page.inner_text("#approve") == words.proof_words("fr", server.content)["approve"]
        pdf = page.get_attribute("#pdf-link", "href")
        assert pdf.startswith("/files/editions/fr/builds/")
        texts = _texts(server.out / pdf.removeprefix("/files/"))
        assert any(FRENCH in text for text in texts) and not any(DUTCH in t for t in texts)
        assert page.locator(".page[data-page] img").count() == len(texts)
        assert [language["code"] for language in main["languages"]] == ["nl", "fr"]

        page.select_option("#language", "side:fr")
        assert page.url.endswith("?side=fr")
        both = ('document.body.dataset.view === "side" && document.body.dataset.build'
                ' && document.body.dataset.beside && document.body.dataset.state === "ok"')
        wait_for(page, server, both)
        _side_by_side(page, len(texts))

        page.reload()  # (the URL kept the choice)
        wait_for(page, server, both)
        assert page.input_value("#language") == "side:fr"
        assert page.evaluate("document.documentElement.lang") == "nl"
    finally:
        page.close()


def _side_by_side(page, french_pages):
    """Dutch left, French right, spread by spread; the rows where French runs on say so."""
    shown = page.evaluate("fetch('/status?side=fr').then(r => r.json())")
    dutch_pages = shown["build"]["page_count"]
    assert shown["beside"]["build"]["page_count"] == french_pages > dutch_pages
    spreads = lambda count: count // 2 + 1  # noqa: E731 (page 1 alone, then pairs)
    rows = page.locator(".spread.side-by-side")
    assert rows.count() == spreads(french_pages)
    assert page.locator(".spread.only-one").count() == spreads(french_pages) - spreads(
        dutch_pages)
    for language, count in (("nl", dutch_pages), ("fr", french_pages)):
        numbers = page.eval_on_selector_all(
            f".edition[data-language='{language}'] .page[data-page]",
            "els => els.map(e => +e.dataset.page)")
        assert numbers == list(range(1, count + 1)), language
    first = rows.first.locator(".edition")
    assert [first.nth(i).get_attribute("data-language") for i in (0, 1)] == ["nl", "fr"]
    last = rows.last
    assert last.locator(".edition.missing[data-language='nl']").count() == 1
    assert "Français" in last.locator(".only-in").inner_text()
    # each edition's findings listed under its name
    headings = page.eval_on_selector_all("#warnings h3", "els => els.map(e => e.textContent)")
    assert headings == ["Nederlands", "Français"]
