#!/usr/bin/env python3
"""Run the linter and the test suite (sets up the system packages and .venv first)."""
import subprocess
import sys

import bootstrap

if __name__ == "__main__":
    bootstrap.ensure_system(bootstrap.TESTS)
    bootstrap.ensure_venv(with_tests=True)
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=bootstrap.ROOT)
    tests = subprocess.run([sys.executable, "-m", "pytest", *sys.argv[1:]], cwd=bootstrap.ROOT)
    sys.exit(lint.returncode or tests.returncode)
