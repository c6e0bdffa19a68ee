"""Report-only libraries stay out of memory until a report is written (issue 18)."""

from __future__ import annotations

import subprocess
import sys


def test_importing_analytics_does_not_load_openpyxl_or_matplotlib() -> None:
    code = (
        "import sys, bot.analytics\n"
        "heavy = sorted(m for m in ('openpyxl', 'matplotlib') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
