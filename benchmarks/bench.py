#!/usr/bin/env python3
"""Build-speed benchmark: prints figures, asserts nothing (speed is not a test).

    python3 benchmarks/bench.py [--skip-scaling]

Each measurement runs in a process of its own, with caches of its own under a temporary
folder (the project's out/ is not touched). Times come from runs without the memory
sampler; peak memory from one more run of each with it: the most that process and all the
processes it started (layout workers, Ghostscript) held at once, sampled every 0.1 s
(proportional set size: memory they share is counted once). Sampling takes CPU time the
build would have (1-2 s of a 9 s build on 2 cores), so the two are never measured at once.
- WeasyPrint alone: the composed HTML of the whole report, laid out and written by plain
  WeasyPrint in one process (our fonts and URL fetcher, nothing else of ours);
- fresh build: nothing cached (a new checkout): photos separated, every chunk laid out at
  once from the flatplan (the chapters' `pages:`);
- cold build: photos prepared, no chunk laid out yet, no page map;
- cold layout, page map known: every chunk laid out again, in one round (as after a
  change to the layout). The machine's speed drifts from minute to minute, so these two
  and the baseline run back to back, in five rounds: the ratios are per round, the
  times the fastest;
- builds run as `make_pdf.py` does (reportpress.cli), with REPORTPRESS_CACHE pointing to
  the benchmark's folder;
- warm rebuild: one story edited, `make_pdf.py` run again (a new process);
- proof rebuild: the proof server running (its first build shown), one story saved, five
  times: the time until the new PDF is written, until its pages are shown (rendered, their
  images written: what the browser fetches next) and until preflight's findings join them;
- the designer's loop: the proof server running, a stylesheet saved five times, in a copy
  of layout/ (the project's is not touched), the spread of Werk's opener in view: the time
  from the save until the spread in view shows its new pages (drawn from the chunk laid
  out first) and until the whole report is shown; for typography.css (every page uses it)
  and components/key-figures.css (the chunks with key figures only);
- scaling: the report with 4x the content (every domain chapter four times) against 1x,
  both cold builds;
- two languages: the report made bilingual (`languages: [nl, fr]`, every text given for
  both, every story copied to `<story>.fr.md`: the same words, for timing), both print
  editions built by `make_pdf.py --all --edition print` against one, both cold (photos
  prepared, no chunk laid out).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import bootstrap  # noqa: E402

CHILD = r"""
import json, os, sys, threading, time
from pathlib import Path
sys.path.insert(0, {root!r})
mode, content, out, photos, sampled = sys.argv[1:6]
sampled = sampled == "memory"
EDITS = 5  # the proof: one story saved this many times, each time once the proof is done
peak = [0]


def tree_pss():
    # proportional set size (shared pages divided among their sharers) of this process and
    # all its descendants: the layout workers, the server they fork from, Ghostscript
    children = {{}}
    for name in os.listdir("/proc"):
        try:
            parent = int(open(f"/proc/{{name}}/stat").read().rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(name)
        except (OSError, ValueError, IndexError):
            pass
    total, todo = 0, [str(os.getpid())]
    while todo:
        pid = todo.pop()
        todo += children.get(int(pid), [])
        try:
            total += next(int(line.split()[1]) for line in open(f"/proc/{{pid}}/smaps_rollup")
                          if line.startswith("Pss:"))
        except (OSError, StopIteration):
            pass
    return total / 1024


def sample():
    while True:
        peak[0] = max(peak[0], tree_pss())
        time.sleep(0.1)


def wait(condition):  # (the proof rows: until the server shows what was asked)
    while not condition():
        time.sleep(0.005)


from reportpress import processes
processes.lean_malloc()  # (as make_pdf.py does first, before the sampler's thread)
if sampled:  # (its own run: sampling /proc takes CPU time the build would have)
    threading.Thread(target=sample, daemon=True).start()
started = time.perf_counter()
extra = {{}}
if mode == "weasyprint":  # one render, one write, as WeasyPrint does it
    from reportpress import compose, render
    html = open(content).read()
    document = render.render(html, compose.LAYOUT_DIR, [compose.LAYOUT_DIR], photos,
                             speed_ups=False, keep_stylesheets=False)
    pages = len(document.pages)
    document.write_pdf(out)
    seconds = time.perf_counter() - started
    # the layout audit over the same laid-out pages, all in this one process (a build runs
    # it in the layout workers, chunk by chunk, side by side)
    from reportpress import audit
    audit_started = time.perf_counter()
    audit.find(render.read_pages(document.pages))
    extra["audit"] = time.perf_counter() - audit_started
elif mode.startswith("designer:"):  # the proof server, as a designer has it: save a
    # stylesheet (in a copy of layout/: BENCH_LAYOUT), with one spread in view, wait
    from reportpress import compose, pipeline, proof
    compose.LAYOUT_DIR = Path(os.environ["BENCH_LAYOUT"])
    sheet = compose.LAYOUT_DIR / mode.removeprefix("designer:")
    server = proof.Proofer(content, Path(out).parent / "proof", log=lambda message: None)
    server.start()

    wait(lambda: server.current and not server.building)  # the first build, checked
    view = next(c["page"] for c in server.current.chapters if c["id"] == "werk")
    server.view = view - view % 2  # (the first page of its spread)
    in_view = {{server.view, server.view + 1}}
    text, times = sheet.read_text(), {{"view": [], "shown": [], "partial": 0}}
    for edit in range(EDITS):  # (each a new value: no chunk in the cache has it)
        time.sleep(1)
        number = server.current.number
        value = edit + 1 + EDITS * sampled  # (the other run's: cached)
        if sheet.name == "typography.css":  # a rule added
            changed = text + f"\nh3 {{{{ letter-spacing: 0.0{{value}}em; }}}}\n"
        else:  # a value changed
            changed = text.replace("font-size: 8.2pt;", f"font-size: {{8 + value / 10}}pt;")
        started = time.perf_counter()
        sheet.write_text(changed)

        def spread_shown():
            partial, current = server.partial, server.current
            if partial is not None and in_view <= set(partial.rebuilding or ()):
                return "partial"
            return current.number > number and "whole"

        wait(spread_shown)
        times["view"].append(time.perf_counter() - started)
        times["partial"] += spread_shown() == "partial"
        wait(lambda: server.current.number > number)
        times["shown"].append(time.perf_counter() - started)
        wait(lambda: not server.building)
    server.stop()
    extra = {{name: sorted(values) if isinstance(values, list) else values
             for name, values in times.items()}}
    seconds, pages = sorted(times["shown"])[EDITS // 2], server.current.page_count
elif mode == "proof":  # the proof server, as an editor has it: save a story, wait
    from reportpress import pipeline, proof
    build, written = pipeline.build, []

    def build_noted(*args, **kwargs):
        result = build(*args, **kwargs)
        written.append(time.perf_counter())
        return result

    pipeline.build = build_noted
    server = proof.Proofer(content, Path(out).parent / "proof", log=lambda message: None)
    server.start()

    wait(lambda: server.current and not server.building)  # the first build, checked
    story = Path(content) / "werk" / "expeditie-miriam.md"
    text, times = story.read_text(), {{"pdf": [], "shown": [], "checked": []}}
    for edit in range(EDITS):  # (each a new name: no chunk in the cache has it)
        time.sleep(1)
        started = time.perf_counter()
        new = "Mi" + "r" * (edit + 2 + EDITS * sampled) + "iam"  # (the other run's: cached)
        story.write_text(text.replace("Miriam", new, 1))
        wait(lambda: server.current.number >= edit + 2)
        times["shown"].append(time.perf_counter() - started)
        times["pdf"].append(written[-1] - started)
        wait(lambda: not server.building)
        times["checked"].append(time.perf_counter() - started)
    server.stop()
    extra = {{name: sorted(values) for name, values in times.items()}}
    seconds, pages = sorted(times["shown"])[EDITS // 2], server.current.page_count
else:  # a build, as `make_pdf.py` runs it ("html": and writes the composed HTML)
    import contextlib, io
    from reportpress import cli
    said = io.StringIO()
    with contextlib.redirect_stderr(said):
        code = cli.main(["--content", content, "-o", out]
                        + (["--html", out + ".html"] if mode == "html" else []))
    seconds = time.perf_counter() - started
    if code:
        sys.exit(said.getvalue())
    import pikepdf
    pages = len(pikepdf.open(out).pages)
    extra["laid_out"] = " + ".join(line.split()[2] for line in said.getvalue().splitlines()
                                   if " chunks" in line)
print(json.dumps(dict(seconds=seconds, pages=pages, peak_mb=peak[0] if sampled else None,
                      **extra)))
"""


ROUNDS = 5  # of plain WeasyPrint, a cold build and one with the page map, back to back


def measure(mode, content, out, cache, memory=False, env=None):
    """One run in a process of its own, keeping what builds keep in `cache`; with the load
    average as it starts (the machine may be shared: a figure says little without it)."""
    load = os.getloadavg()[0]
    done = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), mode,
                           str(content), str(out), str(cache / "images"),
                           "memory" if memory else "time"], capture_output=True, text=True,
                          env={**os.environ, "REPORTPRESS_CACHE": str(cache), **(env or {})})
    if done.returncode:
        sys.exit(f"{mode} failed:\n{done.stderr[-2000:]}")
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "load": load}


def timed_and_sampled(mode, content, out, cache, runs=1, reset=lambda: None, env=None):
    """The fastest of `runs` runs without the memory sampler, and the peak memory of one
    more run with it: reading /proc every 0.1 s costs a 2-core machine 1-2 s of a 9 s
    multi-process build (and much less of plain WeasyPrint's one process), so the two are
    not measured in the same run. `reset()` goes before each run."""
    timed = []
    for _ in range(runs):
        reset()
        timed.append(measure(mode, content, out, cache, env=env))
    reset()
    sampled = measure(mode, content, out, cache, memory=True, env=env)
    return {**min(timed, key=lambda row: row["seconds"]), "peak_mb": sampled["peak_mb"]}


def quadruple(content, target):
    """A content folder with every domain chapter four times (ids made unique)."""
    shutil.copytree(content, target)
    report = (target / "report.yaml").read_text()
    lines, chapters = report.splitlines(), []
    for folder in sorted(p for p in target.iterdir() if (p / "chapter.yaml").is_file()):
        if "kind: domain" not in (folder / "chapter.yaml").read_text():
            continue
        for copy in (2, 3, 4):
            twin = target / f"{folder.name}-{copy}"
            shutil.copytree(folder, twin)
            for story in twin.glob("*.md"):
                story.rename(twin / f"{story.stem}-{copy}.md")
            text = (twin / "chapter.yaml").read_text()
            for story in folder.glob("*.md"):
                text = text.replace(f"story: {story.stem}\n", f"story: {story.stem}-{copy}\n")
            (twin / "chapter.yaml").write_text(text)
            chapters.append((folder.name, twin.name))
    for original, twin in chapters:
        index = lines.index(f"  - {original}")
        lines.insert(index + 1, f"  - {twin}")
    (target / "report.yaml").write_text("\n".join(lines) + "\n")
    return target


DESIGNER_SHEETS = ("typography.css", "components/key-figures.css")


def print_designer(designer, plain, proof):
    """The designer's rows: from the save to the spread in view and to the whole report
    shown, median of five (and range), beside plain WeasyPrint's median in the same run."""
    def spread(values):
        return f"{values[len(values) // 2]:.1f} s ({values[0]:.1f}–{values[-1]:.1f})"

    print(f"\nthe designer's loop (proof server, a stylesheet saved {len(DESIGNER_SHEETS)} "
          f"ways, five times each); plain WeasyPrint on the same HTML: {plain:.1f} s (median)")
    targets = {"typography.css": ("1.5 s", "0.5x WeasyPrint"),
               "components/key-figures.css": ("1.5 s", "3 s")}
    for sheet, row in designer.items():
        whole = row["shown"][len(row["shown"]) // 2]
        print(f"  {sheet}: spread in view shown in {spread(row['view'])} (target "
              f"{targets[sheet][0]}; {row['partial']} of {len(row['view'])} before the whole"
              f" report), whole report in {spread(row['shown'])} = {whole / plain:.2f}x "
              f"WeasyPrint (target {targets[sheet][1]}); peak {row['peak_mb']:.0f} MB;"
              f" load {row['load']:.1f}")
    if proof:
        print(f"  (a story edit, for comparison: shown in "
              f"{spread(proof['shown'])})")


# The keys whose text is prose, given per language in a report of several (content/README.md)
TEXTS = {"title", "running_head", "caption", "quote", "intro", "text", "label", "pointer",
         "role", "footnote", "follow", "copyright", "scope", "mission", "sdgs", "partners",
         "name", "alt", "standfirst"}


def two_languages(content, target):
    """A copy of the content folder in two languages (nl and fr) with the same words: each
    YAML text as {nl: …, fr: …}, each story copied to <story>.fr.md."""
    import yaml

    shutil.copytree(content, target)
    report = (target / "report.yaml").read_text()
    (target / "report.yaml").write_text(
        report.replace("language: nl", "languages: [nl, fr]")
        .replace("title: Jaarverslag 2022", "title: {nl: Jaarverslag 2022, fr: Rapport 2022}")
        .replace("  schooljaar: schooljaar 2021-2022", "  schooljaar: {nl: s, fr: s}"))

    def both(data, key=None):
        if isinstance(data, dict):
            return {k: both(v, k) for k, v in data.items()}
        if isinstance(data, list):
            return [both(v, key) for v in data]
        return {"nl": data, "fr": data} if key in TEXTS and isinstance(data, str) else data

    for chapter in target.glob("*/chapter.yaml"):
        data = yaml.safe_load(chapter.read_text())
        chapter.write_text(yaml.safe_dump(both(data), allow_unicode=True, sort_keys=False))
    for story in target.glob("*/*.md"):  # (a translation gives only the texts)
        _, header, body = story.read_text().split("---\n", 2)
        data = yaml.safe_load(header)
        texts = {"title": data["title"], "accept": data.get("accept"),
                 "figure": {k: v for k, v in (data.get("figure") or {}).items()
                            if k in ("caption", "alt")} or None,
                 "qr": {"text": data["qr"]["text"]} if (data.get("qr") or {}).get("text")
                 else None}
        header = yaml.safe_dump({k: v for k, v in texts.items() if v}, allow_unicode=True)
        story.with_name(f"{story.stem}.fr.md").write_text(f"---\n{header}---\n{body}")
    return target


def languages_ratio(work, cache):
    """(one language's cold print build, both languages') in seconds: the fastest of two
    rounds, back to back (photos prepared, no chunk laid out)."""
    bilingual = two_languages(ROOT / "content", work / "content-2")
    one, both = [], []
    for _ in range(2):
        for runs, argv in ((one, ["-o", str(work / "one.pdf")]),
                           (both, ["--all", "--edition", "print", "-o", str(work / "two")])):
            shutil.rmtree(cache / "chunks", ignore_errors=True)
            started = time.perf_counter()
            done = subprocess.run([sys.executable, str(ROOT / "make_pdf.py"), "--content",
                                   str(bilingual), *argv], capture_output=True, text=True,
                                  env={**os.environ, "REPORTPRESS_CACHE": str(cache)})
            if done.returncode:
                sys.exit(f"two languages: the build failed:\n{done.stderr[-2000:]}")
            runs.append(time.perf_counter() - started)
    return min(one), min(both)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-scaling", action="store_true", help="skip the 4x runs")
    parser.add_argument("--only-designer", action="store_true",
                        help="only the designer's rows (and plain WeasyPrint beside them)")
    parser.add_argument("--skip-languages", action="store_true",
                        help="skip the two-language runs")
    parser.add_argument("--only-languages", action="store_true",
                        help="only the two-language runs")
    args = parser.parse_args()
    bootstrap.ensure_venv()
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    content, cache = work / "content", work / "cache"
    shutil.copytree(ROOT / "content", content)
    photos, chunks = cache / "images", cache / "chunks"
    if args.only_languages:
        print_languages(*languages_ratio(work, cache))
        return shutil.rmtree(work)

    def forget_chunks():
        shutil.rmtree(chunks, ignore_errors=True)

    def forget_all():  # a new checkout: no photo separated, no chunk laid out
        shutil.rmtree(cache, ignore_errors=True)

    def keep_page_map():  # (nor any font subset kept: every chunk as on a new machine)
        for part in chunks.glob("*"):
            if part.is_dir():
                shutil.rmtree(part)
            elif not part.name.startswith("pagemap-"):
                part.unlink()

    story = content / "werk" / "expeditie-miriam.md"
    original, edits = story.read_text(), iter(range(1, 100))

    def edit_story():  # each time a name no cached chunk has
        story.write_text(original.replace("Miriam", "Mir" + "j" * next(edits) + "am", 1))

    layout = work / "project" / "layout"  # the designer's copy, beside fonts/ and profiles/
    shutil.copytree(ROOT / "layout", layout)
    for name in ("fonts", "profiles"):
        (work / "project" / name).symlink_to(ROOT / name)
    designer = {}

    def designers_loop():
        for sheet in DESIGNER_SHEETS:
            designer[sheet] = timed_and_sampled(
                f"designer:{sheet}", content, work / "designer.pdf", cache,
                env={"BENCH_LAYOUT": str(layout)})
            shutil.copytree(ROOT / "layout", layout, dirs_exist_ok=True)  # (as it was)

    if args.only_designer:
        measure("html", content, work / "same.pdf", cache)
        plain = [measure("weasyprint", work / "same.pdf.html", work / "plain.pdf", cache)
                 for _ in range(3)]
        designers_loop()
        print_designer(designer, sorted(row["seconds"] for row in plain)[1], None)
        shutil.rmtree(work)
        return
    rows = {}
    rows["fresh build, nothing cached"] = timed_and_sampled(
        "build", content, work / "fresh.pdf", cache, reset=forget_all)
    measure("html", content, work / "same.pdf", cache)  # the HTML the baseline lays out
    # This machine's speed drifts by up to a quarter from minute to minute: the baseline and
    # the cold builds are run back to back, in rounds, and compared within each round.
    rounds = []
    for _ in range(ROUNDS):
        plain = measure("weasyprint", work / "same.pdf.html", work / "plain.pdf", cache)
        forget_chunks()
        cold = measure("build", content, work / "cold.pdf", cache)
        keep_page_map()
        rounds.append((plain, cold, measure("build", content, work / "map.pdf", cache)))
    for column, (name, mode, out, reset) in enumerate([
            ("WeasyPrint alone, same HTML", "weasyprint", "plain.pdf", lambda: None),
            ("cold build (photos prepared)", "build", "cold.pdf", forget_chunks),
            ("cold layout, page map known", "build", "map.pdf", keep_page_map)]):
        reset()  # (peak memory: one more run each, sampled)
        sampled = measure(mode, work / "same.pdf.html" if column == 0 else content,
                          work / out, cache, memory=True)
        fastest = min((runs[column] for runs in rounds), key=lambda row: row["seconds"])
        rows[name] = {**fastest, "peak_mb": sampled["peak_mb"]}
    same = {(work / name).read_bytes() for name in ("fresh.pdf", "cold.pdf", "map.pdf")}
    rows["warm rebuild, one story edited"] = warm = timed_and_sampled(
        "build", content, work / "warm.pdf", cache, reset=edit_story)
    story.write_text(original)
    rows["proof rebuild, one story edited"] = proof = timed_and_sampled(
        "proof", content, work / "proof.pdf", cache)
    designers_loop()
    if not args.skip_scaling:
        four, cache4 = quadruple(ROOT / "content", work / "content-4x"), work / "cache-4x"
        shutil.copytree(photos, cache4 / "images")  # (the same photos, prepared)
        rows["4x content, cold build"] = big = timed_and_sampled(
            "build", four, work / "four.pdf", cache4,
            reset=lambda: shutil.rmtree(cache4 / "chunks", ignore_errors=True))

    print(f"\n{'measurement':34} {'seconds':>8} {'pages':>6} {'peak MB':>8} {'load':>5}"
          "  chunks laid out")
    for name, row in rows.items():
        print(f"{name:34} {row['seconds']:8.1f} {row['pages']:6d} {row['peak_mb']:8.0f}"
              f" {row['load']:5.1f}  {row.get('laid_out', '')}")
    for column, name in ((1, "cold build"), (2, "with the page map known")):
        ratios = sorted(runs[column]["seconds"] / runs[0]["seconds"] for runs in rounds)
        loads = [runs[index]["load"] for runs in rounds for index in (0, column)]
        print(f"{name} / WeasyPrint alone, in each round: "
              + ", ".join(f"{ratio:.2f}x" for ratio in ratios)
              + f"; median {ratios[len(ratios) // 2]:.2f}x (target 0.45x)"
              + f"; load {min(loads):.1f}–{max(loads):.1f}")
    def spread(values):
        return f"{values[len(values) // 2]:.1f} s ({values[0]:.1f}–{values[-1]:.1f})"

    print(f"warm rebuild: {warm['seconds']:.1f} s; in the proof server, from saving the story"
          f" (median of {len(proof['shown'])}, and range): PDF written in"
          f" {spread(proof['pdf'])}, its pages shown in {spread(proof['shown'])} (target 1 s),"
          f" preflight's findings by {spread(proof['checked'])}; load {proof['load']:.1f}")
    builds = [row["peak_mb"] for name, row in rows.items() if "proof" not in name]
    print(f"peak memory of a build: {max(builds):.0f} MB (target 400 MB); of the proof"
          f" server, which also keeps every page's image: {proof['peak_mb']:.0f} MB")
    if not args.skip_scaling:
        one = rows["cold build (photos prepared)"]
        print(f"4x content: {big['seconds'] / one['seconds']:.2f}x the time for "
              f"{big['pages'] / one['pages']:.2f}x the pages (target within 4.5x for 4x)")
    audit = min(runs[0]["audit"] for runs in rounds)
    cold = rows["cold build (photos prepared)"]["seconds"]
    print(f"layout audit: {audit:.2f} s for all {rows['cold build (photos prepared)']['pages']}"
          f" pages in one process, {audit / cold:.1%} of a cold build (target under 5%)")
    print(f"fresh, cold and page-map builds byte-identical: {len(same) == 1}")
    plain = sorted(runs[0]["seconds"] for runs in rounds)[len(rounds) // 2]
    print_designer(designer, plain, proof)
    if not args.skip_languages:
        print_languages(*languages_ratio(work, cache))
    shutil.rmtree(work)


def print_languages(one, both):
    print(f"two languages (print, cold): {both:.1f} s for both, {one:.1f} s for one: "
          f"{both / one:.2f}x (target 1.6x)")


if __name__ == "__main__":
    main()
