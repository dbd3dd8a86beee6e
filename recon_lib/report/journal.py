"""``reports/<period>/journal_<period>.xlsx`` and ``.csv``: the month's vouchers (记账凭证) in
the import layouts of Kingdee (金蝶) and Yonyou (用友), one sheet each, and as a plain CSV
(docs/pnl.md says which columns each follows and how sure we are of them).

Every voucher is checked to balance just before writing; an unbalanced one stops the write and
nothing is kept (the workbook appears only when complete). Every cell goes through
``recon_lib.report.workbook``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from recon_lib import journal, pnl
from recon_lib.db import Database
from recon_lib.periods import Period
from recon_lib.report import workbook

log = logging.getLogger(__name__)

MONEY = workbook.MONEY
KINGDEE_SHEET = "金蝶 Kingdee"
YONYOU_SHEET = "用友 Yonyou"
SKIPPED_SHEET = "未生成 Not made"
# (header, width, number format, value of an entry): the columns of each import template
KINGDEE = [("日期", 12, "yyyy-mm-dd"), ("凭证字", 8, "@"), ("凭证号", 8, "0"),
           ("附单据数", 8, "0"), ("分录序号", 8, "0"), ("摘要", 30, "@"), ("科目代码", 12, "@"),
           ("科目名称", 30, "@"), ("借方金额", 14, MONEY), ("贷方金额", 14, MONEY),
           ("币别", 8, "@"), ("汇率", 8, "0.0000"), ("原币金额", 14, MONEY), ("制单人", 10, "@")]
YONYOU = [("制单日期", 12, "yyyy-mm-dd"), ("凭证类别字", 10, "@"), ("凭证号", 8, "0"),
          ("附单据数", 8, "0"), ("摘要", 30, "@"), ("科目编码", 12, "@"), ("科目名称", 30, "@"),
          ("借方金额", 14, MONEY), ("贷方金额", 14, MONEY), ("币种", 8, "@"),
          ("汇率", 8, "0.0000"), ("原币金额", 14, MONEY), ("制单人", 10, "@")]


def workbook_name(period: Period | str) -> str:
    return f"journal_{period}.xlsx"


def write_journal(db: Database, period: Period, out_dir: Path,
                  mapping: journal.AccountMapping | None = None) -> tuple[Path, Path]:
    """Write the period's journal workbook and CSV; returns their paths. Raises InputError for
    a broken account mapping (before anything is written)."""
    mapping = mapping or journal.load_accounts()
    figures = pnl.pnl(db, period.label)
    currencies = pnl.channel_currencies(db, period.label)
    return build_and_write(figures, period.label, mapping, Path(out_dir), currencies)


def build_and_write(figures, period: str, mapping: journal.AccountMapping, out_dir: Path,
                    currencies: dict[str, str] | None = None) -> tuple[Path, Path]:
    """The vouchers of :func:`recon_lib.pnl.pnl`'s ``figures``, written (see module doc)."""
    made = journal.build(figures, period, mapping, currencies)
    journal.check_balanced(made)
    rows = journal.frame(made)
    path = out_dir / workbook_name(period)
    with workbook.Book(path) as book:
        _sheet(book.sheet(KINGDEE_SHEET), KINGDEE, _kingdee(made, mapping))
        _sheet(book.sheet(YONYOU_SHEET), YONYOU, _yonyou(made, mapping))
        ws = book.sheet(SKIPPED_SHEET)
        ws.header(["凭证类型 Voucher", "渠道 Channel", "原因 Why not made"])
        ws.rows(made.skipped, [None, None, None])
        ws.widths([16, 14, 90])
    csv = workbook.write_csv(rows, path.with_suffix(".csv"))
    log.info("wrote %s (%d vouchers, %d entries; %d not made)", path.name, len(made.vouchers),
             len(rows), len(made.skipped))
    return path, csv


def _kingdee(made: journal.Journal, mapping: journal.AccountMapping):
    for v in made.vouchers:
        for i, e in enumerate(v.entries, start=1):
            amount = float(e.debit or e.credit)
            yield (v.day, mapping.voucher_word, v.number, 0, i, v.summary, e.account.code,
                   e.account.name, float(e.debit), float(e.credit), mapping.currency_code, 1.0,
                   amount, mapping.preparer)


def _yonyou(made: journal.Journal, mapping: journal.AccountMapping):
    for v in made.vouchers:
        for e in v.entries:
            amount = float(e.debit or e.credit)
            yield (v.day, mapping.voucher_word, v.number, 0, v.summary, e.account.code,
                   e.account.name, float(e.debit), float(e.credit), mapping.currency_code, 1.0,
                   amount, mapping.preparer)


def _sheet(ws: workbook.Sheet, columns, records) -> None:
    ws.header([name for name, _, _ in columns])
    last = ws.rows(records, [workbook.Style(number=fmt) for _, _, fmt in columns])
    ws.widths([width for _, width, _ in columns])
    ws.freeze(1)
    ws.filter(1, last, len(columns))
