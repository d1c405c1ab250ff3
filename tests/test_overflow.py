"""Overset: text or images that do not fit their box are reported with page and story."""
from helpers import copy_content, edit, run


def test_a_word_too_long_for_its_column_is_reported(capsys, tmp_path):
    content = copy_content(tmp_path)
    edit(content / "thema" / "tweede-verhaal.md", "Een tweede verhaal",
         "Een " + "x" * 60 + " tweede verhaal")
    code, err = run(capsys, "--content", content, "-o", tmp_path / "out.pdf")
    assert code == 0
    assert "page 3: story `tweede-verhaal`: text “xxxxxxxx" in err
    assert "out of its box (overset)" in err


def test_a_word_that_runs_off_the_page_fails_the_build(capsys, tmp_path):
    content = copy_content(tmp_path)
    edit(content / "thema" / "tweede-verhaal.md", "Een tweede verhaal",
         "Een " + "x" * 120 + " tweede verhaal")
    code, err = run(capsys, "--content", content, "-o", tmp_path / "out.pdf")
    assert code == 2 and "out of its box (overset)" in err
    assert "the layout audit found errors:" in err
    assert "page 3, story `tweede-verhaal`: text “xxxxxxxx" in err and "[off-page]" in err
    assert not (tmp_path / "out.pdf").exists()


def test_overset_fails_a_strict_build(capsys, tmp_path):
    content = copy_content(tmp_path)
    edit(content / "thema" / "tweede-verhaal.md", "Een tweede verhaal",
         "Een " + "x" * 120 + " tweede verhaal")
    code, err = run(capsys, "--content", content, "-o", tmp_path / "out.pdf", "--strict")
    assert code == 2 and "overset" in err
    assert not (tmp_path / "out.pdf").exists()


def test_fitting_content_reports_no_overset(capsys, tmp_path):
    code, err = run(capsys, "--content", copy_content(tmp_path), "-o", tmp_path / "out.pdf")
    assert code == 0 and "overset" not in err
