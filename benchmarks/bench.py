#!/usr/bin/env python3
"""Build-speed benchmark: prints figures, asserts nothing (speed is not a test).

    python3 benchmarks/bench.py [--skip-scaling]

Each measurement runs in a process of its own, with caches of its own under a temporary
folder (the project's out/ is not touched); peak memory is the most that process and all
the processes it started (layout workers, Ghostscript) held at once, sampled every 0.1 s
(proportional set size: memory they share is counted once).
- WeasyPrint alone: the composed HTML of the whole report, laid out and written by plain
  WeasyPrint in one process (our fonts and URL fetcher, nothing else of ours);
- fresh build: nothing cached (a new checkout): photos separated, every chunk laid out at
  once from the flatplan (the chapters' `pages:`);
- cold build: photos prepared, no chunk laid out yet, no page map;
- cold layout, page map known: every chunk laid out again, in one round (as after a
  change to the layout); these two and the baseline are the best of two runs;
- warm rebuild: one story edited, `make_pdf.py` run again (a new process);
- proof rebuild: the proof server running (its first build shown), one story saved, five
  times: the time until the new PDF is written, until its pages are shown (rendered, their
  images written: what the browser fetches next) and until preflight's findings join them;
- scaling: the report with 4x the content (every domain chapter four times) against 1x,
  both cold builds.
"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import bootstrap  # noqa: E402

CHILD = r"""
import json, os, sys, threading, time
from pathlib import Path
sys.path.insert(0, {root!r})
mode, content, out, photos, chunks = sys.argv[1:6]
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


threading.Thread(target=sample, daemon=True).start()
started = time.perf_counter()
extra = {{}}
if mode == "weasyprint":  # one render, one write, as WeasyPrint does it
    from reportpress import compose, render
    html = open(content).read()
    document = render.render(html, compose.LAYOUT_DIR, [compose.LAYOUT_DIR], photos,
                             remember_line_splits=False)
    pages = len(document.pages)
    document.write_pdf(out)
else:
    from reportpress import pipeline
    pipeline.PHOTO_CACHE = Path(photos)
    said = []
    if mode == "proof":  # the proof server, as an editor has it: save a story, wait
        from reportpress import proof
        build, written = pipeline.build, []

        def build_here(*args, **kwargs):  # (its caches under the benchmark's folder)
            result = build(*args, **kwargs, chunk_cache=chunks)
            written.append(time.perf_counter())
            return result

        pipeline.build = build_here
        server = proof.Proofer(content, Path(out).parent / "proof", log=said.append)
        server.start()

        def wait(condition):
            while not condition():
                time.sleep(0.005)

        wait(lambda: server.current and not server.building)  # the first build, checked
        story = Path(content) / "werk" / "expeditie-miriam.md"
        text, times = story.read_text(), {{"pdf": [], "shown": [], "checked": []}}
        for edit in range(EDITS):  # (each a new name: no chunk in the cache has it)
            time.sleep(1)
            started = time.perf_counter()
            story.write_text(text.replace("Miriam", "Mi" + "r" * (edit + 2) + "iam", 1))
            wait(lambda: server.current["number"] >= edit + 2)
            times["shown"].append(time.perf_counter() - started)
            times["pdf"].append(written[-1] - started)
            wait(lambda: not server.building)
            times["checked"].append(time.perf_counter() - started)
        server.stop()
        extra = {{name: sorted(values) for name, values in times.items()}}
        pages = server.current["page_count"]
    else:
        result = pipeline.build(content, out, chunk_cache=chunks, log=said.append)
        pages = result.page_count
        extra["laid_out"] = " + ".join(line.split()[2] for line in said if " chunks" in line)
seconds = extra["shown"][EDITS // 2] if mode == "proof" else time.perf_counter() - started
if mode == "build":  # (the build does not compose it: only asked for, as here)
    open(out + ".html", "w").write(result.html)
print(json.dumps(dict(seconds=seconds, pages=pages, peak_mb=peak[0], **extra)))
"""


def measure(mode, content, out, photos, chunks):
    done = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), mode,
                           str(content), str(out), str(photos), str(chunks)],
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{mode} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-scaling", action="store_true", help="skip the 4x runs")
    args = parser.parse_args()
    bootstrap.ensure_venv()
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    content, photos, chunks = work / "content", work / "photos", work / "chunks"
    shutil.copytree(ROOT / "content", content)

    rows = {}
    rows["fresh build, nothing cached"] = measure("build", content, work / "fresh.pdf",
                                                  photos, chunks)
    html = work / "fresh.pdf.html"
    # this machine's speed varies from run to run: the baseline is the best of two
    rows["WeasyPrint alone, same HTML"] = base = min(
        (measure("weasyprint", html, work / "plain.pdf", photos, chunks) for _ in range(2)),
        key=lambda row: row["seconds"])
    cold = []
    for _ in range(2):  # the best of two, as for the baseline
        shutil.rmtree(chunks, ignore_errors=True)
        cold.append(measure("build", content, work / "cold.pdf", photos, chunks))
    rows["cold build (photos prepared)"] = cold = min(cold, key=lambda row: row["seconds"])
    known = []
    for _ in range(2):  # the best of two, as for the baseline
        for part in chunks.glob("*"):
            if not part.name.startswith("pagemap-"):
                part.unlink()
        known.append(measure("build", content, work / "map.pdf", photos, chunks))
    rows["cold layout, page map known"] = known = min(known, key=lambda row: row["seconds"])
    story = content / "werk" / "expeditie-miriam.md"
    story.write_text(story.read_text().replace("Miriam", "Mirjam", 1))
    rows["warm rebuild, one story edited"] = warm = measure("build", content,
                                                            work / "warm.pdf", photos, chunks)
    story.write_text(story.read_text().replace("Mirjam", "Miriam", 1))
    rows["proof rebuild, one story edited"] = proof = measure("proof", content,
                                                              work / "proof.pdf", photos, chunks)
    if not args.skip_scaling:
        four = quadruple(ROOT / "content", work / "content-4x")
        rows["4x content, cold build"] = big = measure("build", four, work / "four.pdf", photos,
                                                       work / "chunks-4x")

    print(f"\n{'measurement':34} {'seconds':>8} {'pages':>6} {'peak MB':>8}  chunks laid out")
    for name, row in rows.items():
        print(f"{name:34} {row['seconds']:8.1f} {row['pages']:6d} {row['peak_mb']:8.0f}"
              f"  {row.get('laid_out', '')}")
    plain = base["seconds"]
    print(f"\ncold build / WeasyPrint alone: {cold['seconds'] / plain:.2f}x; with the page map"
          f" known: {known['seconds'] / plain:.2f}x (target 0.6x)")
    def spread(values):
        return f"{values[len(values) // 2]:.1f} s ({values[0]:.1f}–{values[-1]:.1f})"

    print(f"warm rebuild: {warm['seconds']:.1f} s; in the proof server, from saving the story"
          f" (median of {len(proof['shown'])}, and range): PDF written in"
          f" {spread(proof['pdf'])}, its pages shown in {spread(proof['shown'])} (target 2 s),"
          f" preflight's findings by {spread(proof['checked'])}")
    builds = [row["peak_mb"] for name, row in rows.items() if "proof" not in name]
    print(f"peak memory of a build: {max(builds):.0f} MB (target 400 MB); of the proof"
          f" server, which also keeps every page's image: {proof['peak_mb']:.0f} MB")
    if not args.skip_scaling:
        print(f"4x content: {big['seconds'] / cold['seconds']:.2f}x the time for "
              f"{big['pages'] / cold['pages']:.2f}x the pages (target within 4.5x for 4x)")
    same = {(work / name).read_bytes() for name in ("fresh.pdf", "cold.pdf", "map.pdf")}
    print(f"fresh, cold and page-map builds byte-identical: {len(same) == 1}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
