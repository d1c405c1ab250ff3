#!/usr/bin/env python3
"""Build the report PDF from content/ and layout/. `python make_pdf.py --help` for options."""
import sys

import bootstrap

if __name__ == "__main__":
    bootstrap.ensure_system(bootstrap.BUILD)
    bootstrap.ensure_venv()
    from reportpress.cli import main

    sys.exit(main())
