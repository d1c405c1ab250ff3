"""Command line: `make_pdf.py` builds; `make_pdf.py COMMAND …` runs a tool on PDFs.

Exit codes: 0 built, 2 content mistakes (each with file and line), 1 anything else.
"""
import argparse
import concurrent.futures
import contextlib
import functools
import importlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import output, processes
from .errors import ContentError, ReportpressError
from .problems import Problem

# Subcommands: each module has main(argv) -> exit code.
COMMANDS = {
    "preflight": "reportpress.preflight",  # check a finished PDF for the print shop
    "proof": "reportpress.proof",  # proof pages in the browser, rebuilt on save
    "diff": "reportpress.diff",  # what changed between two PDFs
    "translations": "reportpress.translations",  # what each language still lacks
}


def parser():
    from . import pipeline

    p = argparse.ArgumentParser(
        prog="make_pdf.py",
        description="Build the report's print PDF from a content folder and the layout. "
                    f"Other commands: {', '.join(COMMANDS)} (make_pdf.py COMMAND --help).")
    p.add_argument("--content", type=Path, default=pipeline.PROJECT / "content", metavar="DIR",
                   help="content folder to build (default: content/)")
    p.add_argument("-o", "--output", type=Path, metavar="PATH",
                   help="where to write the PDF (default: out/<output>.pdf from report.yaml; "
                        "with --all: the folder for them all)")
    p.add_argument("--html", type=Path, metavar="PATH",
                   help="also write the composed HTML here (to inspect or debug the layout)")
    p.add_argument("--edition", choices=pipeline.EDITIONS,
                   help="print: PDF/X-4, CMYK, bleed and crop marks, for the print shop "
                        "(default); digital: tagged sRGB PDF at trim size, for screens")
    p.add_argument("--lang", metavar="LANGUAGE",
                   help="the language of the edition, one of report.yaml's `languages` "
                        "(default: the first, the main one)")
    p.add_argument("--all", action="store_true",
                   help="build every language's print and digital editions (with "
                        "--edition or --lang: only those) into out/, side by side")
    p.add_argument("--process-only", action="store_true",
                   help="print spot colours as their CMYK alternates (a four-colour job)")
    p.add_argument("--strict", action="store_true",
                   help="treat warnings (figures that do not add up, …) as errors")
    p.add_argument("--json", action="store_true",
                   help="print the build's findings (content warnings, layout audit, "
                        "preflight) as JSON on stdout, each with level, rule or check, "
                        "page, file, line, message and whether the content accepts it")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks")
    return p


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    processes.lean_malloc()  # (first: before any thread)
    if argv and argv[0] in COMMANDS:
        return importlib.import_module(COMMANDS[argv[0]]).main(argv[1:])
    # laid out by worker processes: the server they fork from loads WeasyPrint (1 s) while
    # this one loads the rest (--all: the print editions, built in this process, share it)
    if _edition(argv) == "print":
        processes.start_server()
    args = parser().parse_args(argv)
    output.STOP.clear()  # (a build run before in this process may have been stopped)
    processes.on_signals(_interrupt)
    try:
        code = settled(args, build_all if args.all else build)
        if output.STOP.is_set():  # (the signal's KeyboardInterrupt was swallowed somewhere)
            raise KeyboardInterrupt
        return code
    except KeyboardInterrupt:  # Ctrl+C, SIGTERM, SIGHUP: what was being written is gone
        # (not awaited: a chunk's layout may take a while; the watchdog still stands,
        # should ending them hang)
        processes.end_children()
        _stand_down()
        say("interrupted: nothing written (an earlier PDF is kept)")
        return INTERRUPTED
    finally:
        _stand_down()
        processes.on_signals(signal.SIG_DFL)


def settled(args, run):
    """The exit code of `run(args)`, a build: the user's mistakes said, not raised."""
    try:
        return run(args)
    except ContentError as error:
        return _content_problems(args, error)
    except ReportpressError as error:  # each under its own name: "preflight error: …"
        say(f"{error.label}: {error}")
        return error.exit_code
    except Exception as error:  # anything else: say what, not a traceback (unless --debug)
        if args.debug:
            raise
        say(f"build failed: {type(error).__name__}: {error} (run with --debug for details)")
        return 1


def _content_problems(args, error):
    say(f"{len(error.problems)} content problem(s):")
    for problem in error.problems:
        say(f"  error: {problem}")
    if args.json:  # (what stopped the build: errors, or under --strict the warnings)
        print_json(None, [dict(finding(p), level="error") for p in error.problems])
    return 2


INTERRUPTED = 130  # as a shell reports a command Ctrl+C ended


STOP_GRACE = 3.0  # s a stopped build has to end by itself before it is ended outright


def _interrupt(*_):
    """A stop asked for: raised as KeyboardInterrupt, remembered (output.STOP), and, should
    the interrupt be swallowed where Python only prints it, carried out after STOP_GRACE."""
    global _watchdog
    output.STOP.set()
    if _watchdog is None:
        _watchdog = threading.Timer(STOP_GRACE, _stop_now)
        _watchdog.daemon = True
        _watchdog.start()
    raise KeyboardInterrupt


_watchdog = None


def _stop_now():
    for child in multiprocessing.active_children():  # (no pool locks: one may be held)
        with contextlib.suppress(OSError, ValueError):
            child.kill()
    output.remove_unfinished()
    say("interrupted: nothing written (an earlier PDF is kept)")
    os._exit(INTERRUPTED)


def _stand_down():
    global _watchdog
    if _watchdog is not None:
        _watchdog.cancel()
        _watchdog = None


def _edition(argv):
    edition = argparse.ArgumentParser(add_help=False)
    edition.add_argument("--edition", default="print")
    return edition.parse_known_args(argv)[0].edition


def build(args, keep_workers=False, output_folder=None, loaded=None):
    """One edition (`keep_workers`: the layout workers stay, for a build beside it;
    `output_folder`: where it goes under its `output:` name, when not -o; `loaded`: the
    content as read for it, pipeline.build)."""
    from . import pipeline

    started = time.monotonic()
    for option, path in (("-o", args.output), ("--html", args.html)):
        if path:  # before building: a wrong path costs no build, and overwrites nothing
            pipeline.check_output(path, args.content, option)
    options = pipeline.BuildOptions(
        edition=args.edition or "print", language=args.lang, output=args.output,
        output_folder=output_folder, strict=args.strict, process_only=args.process_only,
        keep_workers=keep_workers)
    result = pipeline.build(args.content, options,
                            log=lambda message: say(f"• {message}"
                                                    if not message.startswith(" ") else message),
                            loaded=loaded)
    if args.html:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(result.html, encoding="utf-8")
    say(f"done in {time.monotonic() - started:.1f} s: {result.pdf}")
    if args.json:
        print_json(result.pdf, [finding(w) for w in result.warnings]
                   + [finding(f) for f in result.accepted])
    return 0


def build_all(args):
    """Every edition in every language (`--all`), two at a time: one build's steps that use
    one core (reading, merging, preflight) overlap the other's layout. The print editions
    are built in this process and share its layout workers (their start, and WeasyPrint's
    loading, paid once); a digital edition, laid out by the process that builds it, in a
    process of its own (`make_pdf.py --edition digital --lang L`). Each one's messages are
    printed as it ends; the exit code is the worst."""
    from . import content, pipeline, workers

    for option, given in (("--html", args.html), ("--json", args.json)):
        if given:
            raise ContentError([Problem(
                f"{option} names one file; --all builds several editions",
                hint="give --edition and --lang instead of --all for one")])
    if args.output:  # (a folder: each edition by its name in report.yaml's `output:`)
        pipeline.check_output(args.output, args.content)
    loaded = content.load(args.content)  # (its mistakes once, not once per edition)
    book = loaded[0]
    languages = [args.lang] if args.lang else list(book.languages)
    editions = [args.edition] if args.edition else list(pipeline.EDITIONS)
    jobs = [(language, edition) for edition in editions for language in languages]
    reuse = (book.language, "print")  # (built from the content as read just now)
    started = time.monotonic()
    pool = concurrent.futures.ThreadPoolExecutor(min(len(jobs), EDITIONS_AT_ONCE))
    try:
        runs = [pool.submit(_build_here, args, language, edition,
                            loaded if (language, edition) == reuse else None)
                if edition == "print" else pool.submit(_build_apart, args, language, edition)
                for language, edition in jobs]
        codes = []
        for job, run in zip(jobs, runs, strict=True):
            code, said = run.result()
            say(f"── {' '.join(job)}: " + ("built" if not code else f"failed ({code})"))
            say(said.rstrip())
            codes.append(code)
    except KeyboardInterrupt:  # (the builds left see output.STOP, and the workers end)
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    workers.stop_workers()
    say(f"all {len(jobs)} edition(s) done in {time.monotonic() - started:.1f} s")
    return 2 if 2 in codes else max(codes)


EDITIONS_AT_ONCE = int(os.environ.get("REPORTPRESS_EDITIONS_AT_ONCE", 2))


def _build_here(args, language, edition, loaded=None):
    """(exit code, what it said) of the edition built in this process, beside another
    (`loaded`: its content as read, or None)."""
    _heard.lines = heard = []
    try:
        one = argparse.Namespace(**{**vars(args), "all": False, "lang": language,
                                    "edition": edition, "output": None})
        run = functools.partial(build, keep_workers=True, output_folder=args.output,
                                loaded=loaded)
        return settled(one, run), "\n".join(heard)
    finally:
        _heard.lines = None


def _build_apart(args, language, edition):
    """(exit code, what it said) of `make_pdf.py --edition E --lang L`, a process of its
    own."""
    from . import PROJECT, content, pipeline

    command = [sys.executable, str(PROJECT / "make_pdf.py"), "--content", str(args.content),
               "--edition", edition, "--lang", language]
    if args.output:
        with pipeline.TURNS:  # (read beside a build in this process)
            book = content.load(args.content, language)[0]
        command += ["-o", str(pipeline.default_output(book, edition, args.output))]
    command += ["--strict"] * args.strict + ["--process-only"] * args.process_only
    command += ["--debug"] * args.debug
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return done.returncode, done.stderr + done.stdout


def print_json(pdf, findings):
    print(json.dumps({"pdf": str(pdf) if pdf else None, "findings": findings},
                     ensure_ascii=False, indent=1), flush=True)


# What --json gives for each finding (null where its kind has none). `accepted`: the
# content's reason (`accept:`) for a layout-audit finding it lets stand, else null.
FIELDS = ("kind", "level", "rule", "check", "page", "file", "line", "story", "message",
          "hint", "accepted")


def finding(warning):
    """A warning of the build as data, whatever found it: the layout audit (`rule`),
    preflight (`check`), the content (file and line) or the layout (a message only)."""
    data = dict.fromkeys(FIELDS)
    if hasattr(warning, "data"):  # the layout audit's, accepted or not
        return {**data, "kind": "audit", **warning.data()}
    preflight = warning.source == "preflight"
    return {**data, "kind": warning.source, "level": warning.level or "warning",
            "rule": None if preflight else warning.rule or None,
            "check": warning.rule if preflight else None, "page": warning.page,
            "file": str(warning.file) if warning.file else None, "line": warning.line,
            "message": warning.message, "hint": warning.hint or None}


_heard = threading.local()  # .lines: what a build beside another says, printed as it ends


def say(message):
    lines = getattr(_heard, "lines", None)
    if lines is None:
        print(message, file=sys.stderr, flush=True)
    else:
        lines.append(message)
