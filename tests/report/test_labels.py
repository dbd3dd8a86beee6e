"""The label catalogue: every name a reader sees is Chinese first, English second, from one place;
a column without a label is flagged where it reaches a page, and the rendered month's pages are
scanned for one (the hostile month of tests/hostile_month.py, built once per session)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from recon_lib import labels, results, show
from recon_lib.reasons import REASONS
from tests.hostile_month import hostile_month


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    return hostile_month(tmp_path_factory)


# -- the catalogue ------------------------------------------------------------------------------
def test_every_entry_has_chinese_and_english_and_every_vocabulary_exists():
    cat = labels.catalogue()
    for name, label in cat.columns.items():
        assert label.zh and label.en, name
        assert re.search(r"[\u4e00-\u9fff]", label.zh) or label.zh == label.en, name
    for vocabulary, values in cat.values.items():
        for name, label in values.items():
            assert label.zh and label.en, (vocabulary, name)
    for column, vocabulary in cat.cells.items():
        assert vocabulary in cat.values or vocabulary in ("reason", "recon"), (column, vocabulary)


def test_labels_read_chinese_first_or_english_alone(monkeypatch):
    assert labels.column("return_rate") == "退货率 Return rate"
    assert labels.channel("tmall") == "天猫 Tmall" and labels.carrier("SF") == "顺丰 SF"
    assert labels.reason("PAY_NO_DEPOSIT") == "提现未到账 Payout not in the bank"
    assert labels.value(None, True) == "是" and labels.value("channel", False) == "否"
    assert labels.carrier("<b>not one we know</b>") == "<b>not one we know</b>"  # data as it is
    monkeypatch.setenv("RECON_LANGUAGE", "en")
    assert labels.column("return_rate") == "Return rate" and labels.channel("jd") == "JD"
    assert labels.yes_no(True) == "Yes"


def test_every_reason_code_has_a_title_and_a_chinese_explanation():
    for code, reason in REASONS.items():
        assert reason.title_zh, code
        assert labels.has_explanation(code), code


def test_explanations_are_written_in_chinese_from_the_details(monkeypatch):
    details = '{"sku":"SY1","ordered_qty":2,"shipped_qty":1,"difference":-1,"packed_lines":[]}'
    english = "ordered 2 x SY1, shipped 1 by the period end (1 short)"
    assert labels.explain("SHIP_PARTIAL", "O1|SY1", "O1", details, english) == \
        "订购 2 件 SY1，截至期末发出 1 件（少 1 件）"
    # details an older run stored without what the template needs: the engine's English
    assert labels.explain("SHIP_PARTIAL", "O1|SY1", "O1", "{}", english) == english
    monkeypatch.setenv("RECON_LANGUAGE", "en")  # English kept as a setting
    assert labels.explain("SHIP_PARTIAL", "O1|SY1", "O1", details, english) == english


# -- the one table path -----------------------------------------------------------------------
def _frame() -> pd.DataFrame:
    return pd.DataFrame({"channel": ["tmall", "jd"], "amount": [421171.19, 3.5],
                         "stock_out": [True, False], "return_rate": [0.0625, 0.1]})


def test_tables_show_labels_values_and_yes_no_never_raw_names():
    page = show.table_html(_frame(), money=["amount"], percent=["return_rate"])
    heads = header_texts(page)
    assert heads == ["渠道 Channel", "金额 Amount", "缺货 Out of stock", "退货率 Return rate"]
    assert ">天猫 Tmall<" in page and ">京东 JD<" in page and ">是<" in page and ">否<" in page
    assert "True" not in page and "tmall" not in page and "return_rate" not in page
    assert ">¥421,171.19<" in page and ">6.2%<" in page
    assert unlabelled(page) == []


def test_a_column_without_a_label_is_flagged_and_the_scan_finds_it():
    """The control for the end-to-end scan: an unknown column reaches the page marked."""
    page = show.table_html(_frame().assign(days_of_cover_raw=[1, 2]))
    assert unlabelled(page) == ["days_of_cover_raw"]


def test_columns_named_by_the_data_are_labelled_as_values():
    page = show.table_html(pd.DataFrame({"province": ["广东"], "SF": [12.0], "<x>": [1.0]}),
                           money=["SF", "<x>"], data_columns={"SF": "carrier", "<x>": "carrier"})
    assert header_texts(page) == ["省份 Province", "顺丰 SF", "<x>"]
    assert unlabelled(page) == [] and "&lt;x&gt;" in page


def test_an_empty_table_is_a_sentence():
    page = show.table_html(_frame().head(0), empty="本期没有差异。 No findings.")
    assert "<table" not in page and "本期没有差异。 No findings." in page
    assert "No rows." in show.table_html(_frame().head(0))


def test_a_cut_table_says_what_it_left_out_with_its_money_and_where_the_rest_is():
    df = pd.DataFrame({"key": [f"K{i}" for i in range(12)], "amount": [float(12 - i) for i in range(12)]})
    page = show.table_html(df, money=["amount"], max_rows=10, complete_in="exceptions.xlsx")
    assert page.count("<tr>") == 11  # the header and ten rows
    assert "另有 2 行未显示，合计 ¥3.00" in page and 'href="exceptions.xlsx"' in page
    assert "Showing the first 10 of 12 rows; 2 more, ¥3.00 in all, are in" in page
    assert "K11" not in page


def test_long_tables_are_all_in_the_page_for_its_script_to_page():
    df = pd.DataFrame({"key": [f"K{i}" for i in range(2688)], "amount": [1.0] * 2688})
    page = show.table_html(df, money=["amount"])
    assert page.count("<tr>") == 2689 and "Showing" not in page


# -- reading pages ------------------------------------------------------------------------------
class _Tables(HTMLParser):
    """Headers and cells of every ``table.recon-table``: (th text, th class) and td texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.heads: list[tuple[str, str]] = []
        self.cells: list[str] = []
        self._depth = 0
        self._cell: tuple[str, str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "recon-table" in (attrs.get("class") or "").split():
            self._depth += 1
        elif self._depth and tag in ("th", "td"):
            self._cell = (tag, attrs.get("class") or "", [])

    def handle_endtag(self, tag):
        if tag == "table" and self._depth:
            self._depth -= 1
        elif self._cell and tag == self._cell[0]:
            kind, css, text = self._cell
            text = " ".join("".join(text).split())
            (self.heads.append((text, css)) if kind == "th" else self.cells.append(text))
            self._cell = None

    def handle_data(self, data):
        if self._cell:
            self._cell[2].append(data)


def _tables(page: str) -> _Tables:
    parser = _Tables()
    parser.feed(page)
    return parser


def header_texts(page: str) -> list[str]:
    return [text for text, _ in _tables(page).heads]


def unlabelled(page: str) -> list[str]:
    """Headers of the page's tables that are neither a catalogue label nor named by the data."""
    known = {label.text() for label in labels.catalogue().columns.values()}
    return [text for text, css in _tables(page).heads
            if "from-data" not in css.split() and (text not in known or "unlabelled" in css)]


RAW = re.compile(r"^(True|False|[a-z]+(_[a-z0-9]+)+)$")
"""A cell that is a boolean or a snake_case name: a raw value, not something a reader reads."""


@pytest.mark.slow
def test_every_table_of_every_page_has_labelled_headers_and_no_raw_values(month):
    seen = 0
    for name, path in month.pages.items():
        page = path.read_text(encoding="utf-8")
        assert 'class="unlabelled"' not in page, name
        assert unlabelled(page) == [], f"{name}: columns without a label: {unlabelled(page)}"
        tables = _tables(page)
        raw = sorted({c for c in tables.cells if RAW.match(c)})
        assert raw == [], f"{name}: raw values in cells: {raw[:10]}"
        seen += len(tables.heads)
    assert seen > 150  # the scan read the pages' tables


@pytest.mark.slow
def test_findings_come_money_first_and_section_badges_say_findings_and_money(month):
    page = month.pages["freight"].read_text(encoding="utf-8")
    tables = _tables(page)
    assert "差异类型 Finding" in [t for t, _ in tables.heads]
    amounts = [float(c.replace("¥", "").replace(",", "")) for c in tables.cells
               if re.fullmatch(r"-?¥[\d,]+\.\d\d", c)]
    assert amounts, "no money in the freight page's tables"
    index = month.pages["index"].read_text(encoding="utf-8")
    assert ">OK<" not in index
    badges = re.findall(r'<span class="badge (\w+)">([^<]*)</span>', index)
    money = [text for css, text in badges if css == "findings"]
    assert len(money) >= 4 and all(re.fullmatch(r"[\d,]+ 条 · ¥[\d,]+\.\d\d", t) for t in money)
    assert ("analysis", "分析 Analysis") in badges  # the money, inventory... pages
    assert "本页来自" in index and "From run " in index  # the run the figures came from


def test_the_summary_and_every_finding_are_sorted_by_money(db):
    rows = [("PAY_NOT_SETTLED", "A", 189.8), ("PAY_NO_DEPOSIT", "B", 421171.19),
            ("PAY_NO_DEPOSIT", "C", 12.0), ("PAY_MATCH_UNRESOLVED", "D", None),
            ("PAY_FEE_MISMATCH", "E", 1.0)]
    for code, key, amount in rows:
        db.execute("INSERT INTO discrepancies (run_id, period, recon, reason_code, key, amount, "
                   "explanation, details) VALUES ('r', '2026-10', 'payments', $code, $key, "
                   "$amount, 'x', '{}')", {"code": code, "key": key, "amount": amount},
                   name="finding")
    found = results.discrepancies(db, "2026-10", "payments")
    assert found["key"].tolist() == ["B", "A", "C", "E", "D"]
    summary = results.summary(db, "2026-10", "payments")
    assert summary["reason_code"].tolist()[:4] == ["PAY_NO_DEPOSIT", "PAY_NOT_SETTLED",
                                                   "PAY_FEE_MISMATCH", "PAY_MATCH_UNRESOLVED"]
    totals = results.section_totals(db, "2026-10")
    assert totals["payments"] == (5, pytest.approx(421374.0)) and totals["freight"] == (0, 0.0)


@pytest.mark.slow
def test_every_finding_of_the_month_is_explained_in_chinese(month):
    """Even with hostile ids and names, every template reads its finding's details: none falls
    back to the engine's English."""
    db = results.open_db(month.db_path)
    try:
        found = results.discrepancies(db, "2026-10")
    finally:
        db.close()
    english = found[found["explanation_zh"] == found["explanation"]]
    assert len(found) > 50 and english.empty, english[["reason_code", "explanation"]].head()
    assert found["reason_code"].nunique() >= 25  # nearly every template was exercised


@pytest.mark.slow
def test_receivables_overdue_read_the_same_on_the_summary_and_the_payments_page(month):
    index = month.pages["index"].read_text(encoding="utf-8")
    found = re.search(r"<th scope=\"row\">超期应收[^<]*</th><td>(-?¥[\d,.]+)</td>", index)
    assert found, "the summary page has no receivables overdue figure"
    payments = month.pages["payments"].read_text(encoding="utf-8")
    assert f"超期应收 {found.group(1)}" in payments
