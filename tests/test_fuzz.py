"""Generated content — any Unicode, emoji, right-to-left text, endless words, empty
strings, huge numbers, deep Markdown — gives a PDF or a clean content error (exit 2),
never a crash (exit 1), a traceback or a hang. Bounded to stay within a few minutes."""
import shutil

import yaml
from helpers import FIXTURES, run
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
LATIN = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x17F,
                                       blacklist_categories=("Cc", "Cs")), max_size=2000)
WORDS = st.one_of(
    TEXT, LATIN, LATIN,
    st.sampled_from(["", " ", "😀 emoji", "עברית מימין לשמאל", "العربية", "Ω" * 50]),
    st.integers(min_value=1, max_value=3000).map(lambda n: "x" * n),  # one endless word
    st.integers(min_value=1, max_value=60).map(lambda n: ">" * n + " diep"),
    st.integers(min_value=1, max_value=60).map(lambda n: "".join(f"{'  ' * i}- lijst\n"
                                                                  for i in range(n))),
)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(title=WORDS, body=WORDS, label=WORDS,
       value=st.one_of(st.integers(min_value=-10**30, max_value=10**30),
                       st.integers(min_value=0, max_value=10**9), TEXT))
def test_any_content_builds_or_fails_cleanly(tmp_path_factory, capsys, title, body, label,
                                             value):
    folder = tmp_path_factory.mktemp("fuzz")
    content = folder / "content"
    shutil.copytree(FIXTURES / "mini", content)
    story = content / "thema" / "tweede-verhaal.md"
    story.write_text("---\n" + yaml.safe_dump({"title": title}, allow_unicode=True)
                     + "---\n\n" + body + "\n", encoding="utf-8")
    chapter = content / "thema" / "chapter.yaml"
    data = yaml.safe_load(chapter.read_text(encoding="utf-8"))
    data["sections"][1]["key_figures"][0].update(value=value, label=label)
    chapter.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, err = run(capsys, "--content", content, "-o", folder / "out.pdf")
    event(f"exit {code}")
    assert "Traceback" not in err
    assert code in (0, 2), err
    assert (folder / "out.pdf").exists() == (code == 0)


def _leaves(data, path=()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _leaves(value, (*path, index))
    yield path


ANY_VALUE = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                      st.text(max_size=20), st.lists(st.integers(), max_size=3),
                      st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(file=st.sampled_from(["report.yaml", "thema/chapter.yaml", "photos.yaml",
                             "achterkant/chapter.yaml"]),
       choice=st.integers(min_value=0), value=ANY_VALUE)
def test_any_value_anywhere_in_the_yaml_fails_cleanly(tmp_path_factory, capsys, file, choice,
                                                       value):
    """Replace one value (or whole branch) of a YAML file by anything: a PDF or a content
    error with its file, never a crash."""
    folder = tmp_path_factory.mktemp("yamlfuzz")
    content = folder / "content"
    shutil.copytree(FIXTURES / "mini", content)
    path = content / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    leaves = list(_leaves(data))
    target = leaves[choice % len(leaves)]
    if target:
        parent = data
        for key in target[:-1]:
            parent = parent[key]
        parent[target[-1]] = value
    else:
        data = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, err = run(capsys, "--content", content, "-o", folder / "out.pdf")
    event(f"exit {code}")
    assert "Traceback" not in err
    assert code in (0, 2), err
