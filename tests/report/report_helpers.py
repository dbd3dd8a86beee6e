"""Helpers shared by the report tests (a plain module, not a conftest, so its name is unique)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import nbformat

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "report"

# A valid 1x1 PNG.
TINY_PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


def write_notebook(path: Path, cells: list, metadata: dict | None = None) -> Path:
    """Write a small notebook (cells made with nbformat.v4.new_*_cell) and return its path."""
    nb = nbformat.v4.new_notebook()
    nb.metadata.update(
        {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    nb.metadata.update(metadata or {})
    nb.cells = cells
    nbformat.validate(nb)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.extend(value for name, value in attrs if name == "href" and value)


def link_targets(html_text: str) -> list[str]:
    """The href of every <a> in the page, unescaped."""
    parser = _Links()
    parser.feed(html_text)
    return parser.hrefs
