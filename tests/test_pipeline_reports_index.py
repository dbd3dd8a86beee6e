"""The reports index lists each period with the headline its own run saved beside its page; a
period whose report has none (written by an older recon_lib) has its figures computed."""

from __future__ import annotations

import json

from recon_lib.db import Database
from recon_lib.pipeline import HEADLINE_FILE, _update_reports_index, headline


def test_saved_headlines_are_listed_and_missing_ones_computed(tmp_path, written):
    db_path, _ = written
    reports = tmp_path / "reports"
    for label in ("2026-09", "2026-10", "2026-11"):
        (reports / label).mkdir(parents=True)
        (reports / label / "index.html").write_text("<html></html>", encoding="utf-8")
    (reports / "2026-09" / HEADLINE_FILE).write_text(
        json.dumps([["快递索赔 Claims against couriers", "¥<b>9</b>"]], ensure_ascii=False),
        encoding="utf-8")
    (reports / "2026-11" / HEADLINE_FILE).write_text("not json", encoding="utf-8")

    _update_reports_index(reports, db_path, {"2026-11": [("今天 Today", "¥1.00")]})

    page = (reports / "index.html").read_text(encoding="utf-8")
    assert "¥&lt;b&gt;9&lt;/b&gt;" in page  # September's saved figure, as text
    assert "今天 Today" in page  # the period just run: the figures handed over
    with Database(db_path, read_only=True) as db:
        october = headline(db, "2026-10")
    assert october and all(value in page for _, value in october[:3])  # computed: no file
    assert page.index("2026-11") < page.index("2026-10") < page.index("2026-09")
