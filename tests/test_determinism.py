"""The same inputs give the same bytes: whatever the cache, the number of layout workers
(and so the order chunks are laid out in), and whether the system has HarfBuzz-Subset
(which WeasyPrint would use for subsetting fonts instead of the pinned fontTools).

Each build here runs cold, in a process of its own with a cache of its own, and is
compared with the session's build (made with the checkout's cache, warm or not)."""
import hashlib
import os
import subprocess
import sys

import pytest
from conftest import ROOT

# Loaded by the build's processes (the fork server too) before WeasyPrint: the dynamic
# loader then fails for HarfBuzz-Subset, as on a machine without libharfbuzz-subset0.
HIDE_HARFBUZZ_SUBSET = '''
import cffi
_dlopen = cffi.FFI.dlopen
def dlopen(self, name, *args, **kwargs):
    if "harfbuzz-subset" in str(name):
        raise OSError(f"{name}: hidden by the test")
    return _dlopen(self, name, *args, **kwargs)
cffi.FFI.dlopen = dlopen
'''


BUILD = "import sys; from reportpress.cli import main; sys.exit(main())"


def cold_build(folder, workers, hide_harfbuzz_subset=False):
    folder.mkdir()
    env = dict(os.environ, REPORTPRESS_CACHE=str(folder / "cache"),
               REPORTPRESS_WORKERS=str(workers))
    if hide_harfbuzz_subset:
        (folder / "sitecustomize.py").write_text(HIDE_HARFBUZZ_SUBSET)
        env["PYTHONPATH"] = os.pathsep.join([str(folder), env.get("PYTHONPATH", "")])
    pdf = folder / "report.pdf"
    done = subprocess.run([sys.executable, "-c", BUILD, "-o", str(pdf)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return env, hashlib.sha256(pdf.read_bytes()).hexdigest()


def harfbuzz_subset_loaded(env):
    """Whether WeasyPrint, started with `env`, finds HarfBuzz-Subset."""
    done = subprocess.run([sys.executable, "-c", "import weasyprint.text.ffi as f; "
                           "print(f.harfbuzz_subset is not None)"],
                          env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip() == "True"


def test_cold_builds_with_one_or_two_workers_with_or_without_harfbuzz_subset_agree(
        build, tmp_path):
    two_env, two_workers = cold_build(tmp_path / "two", workers=2)
    one_env, one_worker_no_hb = cold_build(tmp_path / "one", workers=1,
                                           hide_harfbuzz_subset=True)
    if not harfbuzz_subset_loaded(two_env):
        pytest.skip("needs HarfBuzz-Subset: apt-get install libharfbuzz-subset0")
    assert not harfbuzz_subset_loaded(one_env)  # the hiding works
    session = hashlib.sha256(build.pdf.read_bytes()).hexdigest()
    assert two_workers == one_worker_no_hb == session


def test_the_workers_setting_is_read_and_a_bad_one_ignored(monkeypatch):
    from reportpress import workers

    monkeypatch.setenv("REPORTPRESS_WORKERS", "1")
    assert workers._worker_count() == 1
    monkeypatch.setenv("REPORTPRESS_WORKERS", "many")
    assert workers._worker_count() == (os.cpu_count() or 1)
