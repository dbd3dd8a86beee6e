"""The executive summary as a PDF, for people who want a file to attach.

Printed by a headless Chromium from ``reports/<period>/index.html`` on A4 (the page's
``@page { size: A4 }`` rule: Chromium's own default is US Letter); where no Chromium is installed,
a clear error says how to get one.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from recon_lib.errors import InputError, StepError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def summary_pdf(index_html: Path, pdf: Path | None = None, *, timeout: int = 120) -> Path:
    """Print the period's index page to ``summary.pdf`` beside it, on A4; returns its path."""
    index_html = Path(index_html)
    if not index_html.is_file():
        raise InputError(f"{index_html}: no report yet; run `recon run` for the period first")
    browser = find_browser()
    if browser is None:
        raise StepError("a PDF needs Chromium or Chrome, and none is installed: install the "
                        "Debian package 'chromium' (apt-get install chromium) or Google Chrome, "
                        "then run the command again; the HTML report is unaffected")
    pdf = Path(pdf or index_html.with_name("summary.pdf"))
    with tempfile.TemporaryDirectory(prefix="recon-pdf-") as profile:
        done = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--no-pdf-header-footer",
             f"--print-to-pdf={pdf}", index_html.resolve().as_uri()],
            capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        raise StepError(f"printing {index_html.name} to PDF failed: {done.stderr.strip()[-300:]}")
    return pdf
