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
from reportpress.problems import LayoutError

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
    result = pipeline.build(content, folder / "mini.pdf")
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
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [subprocess.Popen(command, env=env, stderr=subprocess.PIPE) for _ in range(2)]
    assert [p.wait(timeout=300) for p in runs] == [0, 0]
    single = tmp_path / "single.pdf"
    pipeline.build(content, single)
    assert out.read_bytes() == single.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content", "report.pdf", "single.pdf"]


def test_the_same_content_in_another_folder_gives_the_same_bytes(tmp_path):
    first = pipeline.build(copy_content(tmp_path / "a"), tmp_path / "a.pdf")
    second = pipeline.build(copy_content(tmp_path / "elsewhere" / "b"), tmp_path / "b.pdf")
    assert first.pdf.read_bytes() == second.pdf.read_bytes()
