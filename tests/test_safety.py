"""Content is untrusted: the renderer reads only project files, fetches nothing from the
network, embeds nothing; a build writes only its output, atomically."""
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from helpers import copy_content, edit, run

from reportpress import compose, pipeline, render
from reportpress.errors import LayoutError

ROOT = pipeline.PROJECT


def render_html(body, tmp_path):
    html = f'<html><head><link rel="stylesheet" href="report.css"></head><body>{body}</body></html>'
    return render.render(html, compose.LAYOUT_DIR, [tmp_path, compose.LAYOUT_DIR], tmp_path)


@pytest.mark.parametrize("body", [
    '<img src="file:///etc/passwd">',
    '<link rel="attachment" href="file:///etc/hostname">',
    '<img src="http://example.org/logo.png">',
    '<div style="background: url(https://example.org/bg.png)">x</div>',
    '<img src="../../../../etc/hostname">',
    '<img src="photo:../../../etc/hostname">',
])
def test_the_renderer_refuses_anything_outside_the_project(body, tmp_path):
    out = tmp_path / "out.pdf"
    with pytest.raises(LayoutError, match="refused"):
        render.write_pdf(render_html(body, tmp_path), out, b"id")
    assert not out.exists()


def test_the_renderer_reads_allowed_files(tmp_path):
    (tmp_path / "ok.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" '
                                     'height="10"><rect width="10" height="10"/></svg>')
    document = render_html(f'<img src="{(tmp_path / "ok.svg").as_uri()}">', tmp_path)
    assert len(document.pages) == 1


def tree_state(folder):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def mini_build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mini")
    content = copy_content(folder)
    before = (tree_state(content), tree_state(ROOT / "layout"))
    result = pipeline.build(content, pipeline.BuildOptions(output=folder / "mini.pdf"))
    after = (tree_state(content), tree_state(ROOT / "layout"))
    return content, result, before, after


def test_a_build_writes_nothing_into_content_or_layout(mini_build):
    _, _, before, after = mini_build
    assert before == after


def test_nothing_is_attached_or_linked_outside_the_content(mini_build):
    content, result, _, _ = mini_build
    with pikepdf.open(result.pdf) as pdf:
        assert "/EmbeddedFiles" not in pdf.Root.get("/Names", {})
        uris = {str(annot.A.URI) for page in pdf.pages for annot in page.get("/Annots", [])
                if "/A" in annot and "/URI" in annot.A}
    assert uris <= {"https://example.org/tweede", "https://example.org/meer",
                    "https://example.org"}  # the three addresses the content names


def test_a_failed_build_keeps_the_previous_pdf(capsys, tmp_path):
    content = copy_content(tmp_path)
    out = tmp_path / "report.pdf"
    out.write_bytes(b"%PDF- the previous good build")
    edit(content / "thema" / "chapter.yaml", "kind: domain", "kind: [domain")
    code, _ = run(capsys, "--content", content, "-o", out)
    assert code == 2
    assert out.read_bytes() == b"%PDF- the previous good build"


def test_a_failure_while_writing_keeps_the_previous_pdf(tmp_path, monkeypatch):
    document = render_html("<p>Hallo</p>", tmp_path)
    out = tmp_path / "report.pdf"
    out.write_bytes(b"previous")

    def broken(target, **options):
        Path(target).write_bytes(b"half a PDF")
        raise OSError("disk full")

    monkeypatch.setattr(document, "write_pdf", broken)
    with pytest.raises(OSError):
        render.write_pdf(document, out, b"id")
    assert out.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def test_two_builds_at_once_on_one_output(tmp_path):
    content = copy_content(tmp_path)
    out = tmp_path / "report.pdf"
    command = [sys.executable, str(ROOT / "make_pdf.py"), "--content", str(content), "-o", str(out)]
    temporary = tmp_path / "tmp"  # (where the builds and their workers keep temporary files)
    temporary.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(temporary)}
    runs = [subprocess.Popen(command, env=env, stderr=subprocess.PIPE) for _ in range(2)]
    assert [p.wait(timeout=300) for p in runs] == [0, 0]
    assert list(temporary.iterdir()) == []  # (each worker's fonts were written there)
    single = tmp_path / "single.pdf"
    pipeline.build(content, pipeline.BuildOptions(output=single))
    assert out.read_bytes() == single.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content", "report.pdf", "single.pdf",
                                                          "tmp"]


def test_the_same_content_in_another_folder_gives_the_same_bytes(tmp_path):
    first = pipeline.build(copy_content(tmp_path / "a"), pipeline.BuildOptions(
                               output=tmp_path / "a.pdf"))
    second = pipeline.build(copy_content(tmp_path / "elsewhere" / "b"), pipeline.BuildOptions(
                                output=tmp_path / "b.pdf"))
    assert first.pdf.read_bytes() == second.pdf.read_bytes()


# --- hostile content: each case ends in exit 2 with file and line, nothing overwritten ---

def build_cli(capsys, content, out, *extra):
    code, err = run(capsys, "--content", content, "-o", out, *extra)
    assert "Traceback" not in err
    return code, err


@pytest.mark.parametrize("option, target", [
    ("-o", "content/report.yaml"), ("-o", "content/photos/x.jpg"),
    ("--html", "content/photos.yaml"), ("-o", "content/thema"),
    ("-o", "link-into-content/report.yaml"), ("-o", "{ROOT}/layout/report.css"),
    ("--html", "{ROOT}/fonts/x.html"), ("-o", "{ROOT}/profiles/x.pdf"),
])
def test_the_output_never_replaces_what_a_build_reads(capsys, tmp_path, option, target):
    content = copy_content(tmp_path)
    (tmp_path / "link-into-content").symlink_to(content)
    path = tmp_path / target.format(ROOT=ROOT)
    before = (tree_state(content), tree_state(ROOT / "layout"), tree_state(ROOT / "fonts"),
              tree_state(ROOT / "profiles"))
    args = ["-o", tmp_path / "out.pdf"] if option == "--html" else []
    code, err = run(capsys, "--content", content, option, path, *args)
    assert code == 2, err
    assert f"{option} {path}: that is inside" in err and "which a build only reads" in err
    assert "reading content" not in err  # refused before building
    assert before == (tree_state(content), tree_state(ROOT / "layout"),
                      tree_state(ROOT / "fonts"), tree_state(ROOT / "profiles"))
    assert not (tmp_path / "out.pdf").exists()


# Every text field the layout reads as Markdown: (file, text before, the field with {md}).
MARKDOWN_FIELDS = [
    ("thema/eerste-verhaal.md", "caption: Strepen.", "caption: Strepen {md}"),
    ("thema/eerste-verhaal.md", "title: Het eerste verhaal", "title: Het verhaal {md}"),
    ("thema/chapter.yaml", "label: deelnemers", "label: deelnemers {md}"),
    ("thema/chapter.yaml", "    Een korte uitspraak",
     "    Uitspraak {md}\n    Een korte uitspraak"),
    ("thema/chapter.yaml", "  Een korte inleiding",
     "  Inleiding.\n\n  Meer {md}\n  Een korte inleiding"),
    ("online/chapter.yaml", "  Sommige verhalen", "  Tekst.\n\n  Meer {md}\n  Sommige verhalen"),
    ("achterkant/chapter.yaml", "partners: Met dank", "partners: Zie {md} Met dank"),
    ("thema/chapter.yaml", "        label: scholen",
     "        label: scholen\n        parts:\n          - value: 56\n            label: in {md}"),
    ("thema/chapter.yaml", "sections:", "closing_photo:\n  photo: stripes\n  caption: Zie {md}\n"
                                        "sections:"),
]


def _line_of(path, marker):
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1)
                if marker in line)


@pytest.mark.parametrize("markdown, message", [
    ("[pw](../../../../../../etc/passwd)", "link '../../../../../../etc/passwd' must start with"),
    ("[r](report.yaml)", "link 'report.yaml' must start with https:// or mailto:"),
    ("[x](javascript:alert(1))", "link 'javascript:alert(1)' must start with https://"),
    ("![x](photos/stripes.jpg)", "images are not placed in text"),
    ("<img src='http://127.0.0.1:9/x.svg'>", "HTML is not allowed in prose"),
])
@pytest.mark.parametrize("file, old, new", MARKDOWN_FIELDS)
def test_every_markdown_field_goes_through_the_prose_check(capsys, tmp_path, file, old, new,
                                                          markdown, message):
    content = copy_content(tmp_path)
    out = tmp_path / "out.pdf"
    out.write_bytes(b"%PDF- the previous good build")
    edit(content / file, old, new.format(md=markdown))
    code, err = build_cli(capsys, content, out)
    line = _line_of(content / file, markdown)
    assert code == 2, err
    assert f"content/{file}:{line}: {message}" in err
    assert out.read_bytes() == b"%PDF- the previous good build"


def test_a_web_address_in_a_caption_is_a_web_link_only(capsys, tmp_path):
    content = copy_content(tmp_path)
    edit(content / "thema" / "eerste-verhaal.md", "caption: Strepen.",
         "caption: Strepen, zie https://example.org/strepen en Beweging.net.")
    code, err = build_cli(capsys, content, tmp_path / "out.pdf", "--edition", "digital")
    assert code == 0, err
    with pikepdf.open(tmp_path / "out.pdf") as pdf:
        uris = {str(annot.A.URI) for page in pdf.pages for annot in page.get("/Annots", [])
                if "/A" in annot and "/URI" in annot.A}
    assert {"https://example.org/strepen", "http://Beweging.net"} <= uris
    assert all(uri.startswith(("https://", "http://", "mailto:")) for uri in uris)
    assert not any(str(tmp_path) in uri or str(ROOT) in uri for uri in uris)


# --- YAML that would expand, repeat or be ambiguous ---

def alias_bomb(levels=9):
    """`a: &a [lol, …]`, `b: &b [*a, *a, …]`, …: 9 ** 9 values once expanded."""
    names = "abcdefghij"[:levels + 1]
    lines = ["  a: &a [" + ", ".join(["lol"] * 9) + "]"]
    lines += [f"  {name}: &{name} [{', '.join([f'*{before}'] * 9)}]"
              for before, name in zip(names, names[1:], strict=False)]
    return "lots:\n" + "\n".join(lines) + "\n", names[-1]


def test_a_yaml_alias_bomb_is_refused_without_expanding(capsys, tmp_path):
    content = copy_content(tmp_path)
    chapter = content / "thema" / "chapter.yaml"
    bomb, last = alias_bomb()
    edit(chapter, "opener:\n", f"opener: *{last}\nold_opener:\n")
    chapter.write_text(bomb + chapter.read_text())
    code, err = build_cli(capsys, content, tmp_path / "out.pdf")
    assert code == 2, err
    assert "content/thema/chapter.yaml:2:" in err and "aliases are not allowed" in err
    assert len(err) < 2000  # nothing expanded into the message


def test_duplicate_keys_at_any_depth_are_errors_at_their_line(capsys, tmp_path):
    content = copy_content(tmp_path)
    edit(content / "report.yaml", "  website: https://example.org",
         "  website: https://example.org\n  online: https://evil.example/qr")
    edit(content / "photos.yaml", "  licence: CC0 1.0",
         "  licence: CC0 1.0\n  credit: Iemand\nstripes:\n  file: photos/stripes.jpg\n"
         "  credit: Iemand anders\n  licence: CC0 1.0")
    edit(content / "thema" / "eerste-verhaal.md", "  alt: Blauwe",
         "  caption: Twee.\n  alt: Blauwe")
    code, err = build_cli(capsys, content, tmp_path / "out.pdf")
    assert code == 2, err
    assert "content/report.yaml:16: `online` is given twice" in err
    assert "content/photos.yaml:5: `credit` is given twice" in err
    assert "content/photos.yaml:6: `stripes` is given twice" in err
    assert "content/thema/eerste-verhaal.md:6: `caption` is given twice" in err


def test_a_chapter_listed_twice_is_an_error_at_its_line(capsys, tmp_path):
    content = copy_content(tmp_path)
    edit(content / "report.yaml", "  - achterkant", "  - thema\n  - achterkant")
    code, err = build_cli(capsys, content, tmp_path / "out.pdf")
    assert code == 2, err
    assert "content/report.yaml:25: chapter `thema` is listed twice (also on line 24)" in err


def test_a_yaml_syntax_error_in_report_yaml_is_the_one_error(capsys, tmp_path):
    content = copy_content(tmp_path)
    edit(content / "report.yaml", "year: 2023", "year: [2023")
    code, err = build_cli(capsys, content, tmp_path / "out.pdf")
    assert code == 2
    assert "1 content problem(s):" in err and "content/report.yaml:" in err, err


def test_a_yaml_syntax_error_in_photos_yaml_brings_no_unknown_photos(capsys, tmp_path):
    content = copy_content(tmp_path)
    edit(content / "photos.yaml", "credit: Test", "credit: [Test")
    code, err = build_cli(capsys, content, tmp_path / "out.pdf")
    assert code == 2
    assert "1 content problem(s):" in err and "content/photos.yaml:" in err, err


# --- links out of the content folder ---

def line_of(path, text):
    """The line (1-based) of a file that holds `text`."""
    return next(number for number, line in enumerate(path.read_text().splitlines(), start=1)
                if text in line)


@pytest.mark.parametrize("what", ["story", "chapter"])
def test_story_files_and_chapter_folders_are_confined_to_content(capsys, tmp_path, what):
    content = copy_content(tmp_path)
    outside = tmp_path / "outside"
    if what == "story":
        outside.mkdir()
        (outside / "geheim.md").write_text("---\ntitle: Geheim\n---\n\nGeheime tekst.\n")
        (content / "thema" / "tweede-verhaal.md").unlink()
        (content / "thema" / "tweede-verhaal.md").symlink_to(outside / "geheim.md")
        line = line_of(content / "thema" / "chapter.yaml", "story: tweede-verhaal")
        where = f"content/thema/chapter.yaml:{line}: story file"
    else:
        (content / "online").rename(outside)
        (content / "online").symlink_to(outside)
        line = line_of(content / "report.yaml", "- online")
        where = f"content/report.yaml:{line}: chapter folder"
    code, err = build_cli(capsys, content, tmp_path / "out.pdf")
    assert code == 2, err
    assert where in err and "leads outside content/" in err
    assert not (tmp_path / "out.pdf").exists()


# --- signals: a build ended from outside leaves no process and no temporary file ---

def _alive_in(session, within=2.0):
    """Processes of a session still running after `within` seconds (a zombie has ended:
    no init reaps it here)."""
    import time

    deadline = time.monotonic() + within
    while True:
        found = subprocess.run(["ps", "-o", "stat=,args=", "-s", str(session)],
                               capture_output=True, text=True).stdout.splitlines()
        alive = [line for line in found if not line.strip().startswith("Z")]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def _start_build(content, out, **env):
    command = [sys.executable, str(ROOT / "make_pdf.py"), "--content", str(content), "-o",
               str(out)]
    return subprocess.Popen(command, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, **env})


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP", "SIGKILL"])
def test_a_build_ended_by_a_signal_leaves_no_process_behind(tmp_path, signal_name):
    import signal

    content = copy_content(tmp_path)
    out = tmp_path / "out" / "report.pdf"
    out.parent.mkdir()
    out.write_bytes(b"%PDF- the previous good build")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    build = _start_build(content, out, REPORTPRESS_CACHE=str(tmp_path / "cache"),
                         TMPDIR=str(temporary))
    for line in build.stderr:  # the layout workers are at work
        if "laying out pages" in line:
            break
    build.send_signal(getattr(signal, signal_name))
    build.wait(timeout=10)
    assert _alive_in(build.pid) == []
    assert out.read_bytes() == b"%PDF- the previous good build"
    if signal_name != "SIGKILL":  # (what is killed outright cannot clean up)
        assert build.returncode == 130
        assert [p.name for p in out.parent.iterdir()] == ["report.pdf"]
        assert list(temporary.iterdir()) == []


def test_sigterm_while_the_pdf_is_checked_removes_the_unfinished_pdf(capsys, tmp_path,
                                                                        monkeypatch):
    import signal
    import time

    content = copy_content(tmp_path)
    out = tmp_path / "out" / "report.pdf"
    out.parent.mkdir()
    out.write_bytes(b"%PDF- the previous good build")

    def preflight_then_terminated(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)  # (the signal ends this at once)

    monkeypatch.setattr(pipeline, "preflight_print", preflight_then_terminated)
    code, err = run(capsys, "--content", content, "-o", out)
    assert code == 130 and "interrupted: nothing written" in err
    assert [p.name for p in out.parent.iterdir()] == ["report.pdf"]
    assert out.read_bytes() == b"%PDF- the previous good build"
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # (for what runs after)


# --- a layout worker's bounds: whatever slips through ends in a message naming stories ---

def test_a_layout_that_takes_too_long_is_stopped_naming_its_stories(tmp_path):
    content = copy_content(tmp_path)
    paragraph = " ".join(["Een lange zin met woorden die de kolommen vullen."] * 140)
    story = content / "thema" / "tweede-verhaal.md"
    story.write_text(story.read_text() + "\n\n" + "\n\n".join([paragraph] * 25) + "\n")
    out = tmp_path / "report.pdf"
    build = _start_build(content, out, REPORTPRESS_CACHE=str(tmp_path / "cache"),
                         REPORTPRESS_LAYOUT_SECONDS="0.5")
    _, err = build.communicate(timeout=120)
    assert build.returncode == 2, err
    assert ("layout error: laying out the pages of stories `eerste-verhaal`, "
            "`tweede-verhaal` took more than 0.5 s and was stopped") in err
    assert not out.exists() and _alive_in(build.pid) == []


def test_a_layout_out_of_memory_names_its_stories(monkeypatch):
    from reportpress import processes

    def greedy(html, *args):
        raise MemoryError

    html = '<section id="chapter-thema"><article id="story-een"></article>' \
           '<article id="story-twee"></article></section>'
    with pytest.raises(LayoutError, match=r"laying out the pages of stories `een`, `twee` "
                                          r"needed more than \d+ MB and was stopped"):
        processes._bounded(greedy)(html)


def test_a_layout_worker_that_died_is_named_by_its_note(monkeypatch, tmp_path):
    from reportpress import processes, workers

    monkeypatch.setattr(processes, "_notes", lambda: tmp_path)
    (tmp_path / "1234.txt").write_text("the pages of story `een`")
    error = processes.explain(LayoutError(workers.WORKER_DIED))
    assert str(error).startswith("a layout process stopped while laying out the pages of "
                                 "story `een`, out of memory?")
    assert list(tmp_path.iterdir()) == []
    assert processes.explain(LayoutError("other")).args == ("other",)


def test_once_asked_to_stop_no_file_replaces_the_earlier_one(tmp_path):
    """A signal's KeyboardInterrupt can be swallowed where Python prints and ignores it (a
    finaliser): the stop is also remembered, and the earlier PDF is kept."""
    from reportpress import output

    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF- the previous good build")
    output.STOP.set()
    try:
        with pytest.raises(KeyboardInterrupt):
            output.write_atomically(path, lambda tmp: Path(tmp).write_bytes(b"%PDF- new"))
    finally:
        output.STOP.clear()
    assert path.read_bytes() == b"%PDF- the previous good build"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]
