#!/usr/bin/env python3
"""Build-speed benchmark: prints figures, asserts nothing (speed is not a test).

    python3 benchmarks/bench.py [--skip-scaling]

Each measurement runs in its own process, so peak memory (max RSS) is that build's alone:
- cold build: print edition with an empty image cache;
- baseline: plain WeasyPrint rendering the same composed HTML in one process;
- warm rebuild: the same build again after editing one story (image cache warm);
- scaling: the report with 4x the content (every domain chapter four times) against 1x.
"""
import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import bootstrap  # noqa: E402

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
mode, content, out = sys.argv[1:4]
started = time.perf_counter()
if mode == "build":
    from reportpress import pipeline
    result = pipeline.build(content, out)
    pages = result.page_count
    open(out + ".html", "w").write(result.html)
else:  # plain WeasyPrint on the composed HTML: one render, one write, nothing else
    from reportpress import compose, pipeline, render  # our fonts.conf and URL fetcher
    html = open(content).read()
    document = render.render(html, compose.LAYOUT_DIR, [compose.LAYOUT_DIR],
                             pipeline.PHOTO_CACHE)
    pages = len(document.pages)
    document.write_pdf(out)
seconds = time.perf_counter() - started
print(json.dumps(dict(seconds=seconds, pages=pages,
                      peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""


def measure(mode, content, out):
    done = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), mode,
                           str(content), str(out)], capture_output=True, text=True)
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
    parser.add_argument("--skip-scaling", action="store_true", help="skip the 4x run")
    args = parser.parse_args()
    bootstrap.ensure_venv()
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    content = work / "content"
    shutil.copytree(ROOT / "content", content)
    shutil.rmtree(ROOT / "out" / ".cache" / "images", ignore_errors=True)

    cold = measure("build", content, work / "cold.pdf")
    base = measure("weasyprint", work / "cold.pdf.html", work / "baseline.pdf")
    story = content / "werk" / "expeditie-miriam.md"
    story.write_text(story.read_text() + "\nEen extra zin om de warme herbouw te meten.\n")
    warm = measure("build", content, work / "warm.pdf")
    rows = [("cold build (print edition)", cold), ("WeasyPrint alone, same HTML", base),
            ("warm rebuild after a one-story edit", warm)]
    if not args.skip_scaling:
        big = measure("build", quadruple(ROOT / "content", work / "content-4x"),
                      work / "four.pdf")
        rows.append(("4x content, cold images", big))

    print(f"\n{'measurement':40} {'seconds':>8} {'pages':>6} {'peak MB':>8}")
    for name, row in rows:
        print(f"{name:40} {row['seconds']:8.1f} {row['pages']:6d} {row['peak_mb']:8.0f}")
    print(f"\ncold build / WeasyPrint alone: {cold['seconds'] / base['seconds']:.2f}x"
          " (target 0.6x)")
    print(f"warm rebuild: {warm['seconds']:.1f} s (target 2 s)")
    peak = max(row["peak_mb"] for _, row in rows)
    print(f"peak memory: {peak:.0f} MB (target 400 MB)")
    if not args.skip_scaling:
        print(f"4x content: {big['seconds'] / cold['seconds']:.2f}x the time for "
              f"{big['pages'] / cold['pages']:.2f}x the pages (target within 4.5x for 4x)")
    print(f"children's peak RSS (all runs): "
          f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
