"""Freight claims workbooks: one per courier and period, in Chinese, ready to send.

``reports/<period>/freight_claims_<carrier>.xlsx`` holds what the courier needs to check our
claim against its own bill, and nothing of ours it does not:

- ``汇总`` (summary): our company, the courier and the period; per reason the bill lines
  claimed and the amount; the claimable total (a formula with its value cached).
- ``索赔明细`` (claimed lines): one row per claimed bill line, citing that line's own bill file
  and row (``source_file`` / ``source_row``: for a line billed twice the repeated line, for a
  surcharge the surcharge's line) and waybill; what the line billed (weight, destination,
  amount), what we owe for it (our chargeable weight, the parcel's actual weight and size, where
  it went, the rate card's price of the billed weight and of ours) and the amount claimed, with
  a sentence in Chinese; a total row.
- ``返利少返`` (rebate short), when a volume rebate was credited short of the contract: the
  month's volume, the tier reached, the rebate due and what the bill credited.
- ``丢件破损理赔`` (lost and damaged parcels), when the courier owes compensation for a parcel it
  lost or damaged (recon ``claims``, docs/claims.md): one row per parcel with what happened and
  when, the contract's rule and its figures, what it owes, what was received by the period's
  end and the amount claimed (``sql/claims_claim_lines.sql``). A courier with parcel claims and
  no freight claim gets a workbook too.

Parcels the courier has not billed yet (``FRT_UNBILLED``) are an accrual in our own books, not
a claim: they are in ``exceptions.xlsx`` (sheet ``计提 Accruals``), never in a courier's file.
Every sheet prints on A4 landscape, one page wide, with our company, the courier and the period
in the page header and page numbers in the footer.

The workbook's text comes from files (their bill, our shipments): every cell is written by
``recon_lib.report.workbook``, so a waybill reading ``=HYPERLINK(...)`` is text, and the totals
are our formulas with their values cached. A carrier's name becomes part of a file name only
through :func:`workbook_name`, which keeps letters, digits, ``-`` and ``_``.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from recon_lib.config import DEFAULT_SETTINGS, Settings
from recon_lib.db import Database
from recon_lib.periods import Period
from recon_lib.reasons import REASONS, codes_for
from recon_lib.report import workbook
from recon_lib.report.workbook import Formula, Style

log = logging.getLogger(__name__)

ACCRUAL = "FRT_UNBILLED"  # not a claim: an expense to accrue until the courier bills it
REBATE = "FRT_REBATE_SHORT"  # claimable, but about a month's volume rather than a bill line
CLAIMS = tuple(c for c in codes_for("freight") if c != ACCRUAL)
PARCEL_CLAIMS = tuple(codes_for("claims"))
"""Lost and damaged parcels the courier owes compensation for (recon_lib/recons/claims.py)."""
MONEY_FORMAT = workbook.MONEY
KG_FORMAT = "0.000"

SUMMARY_SHEET = "汇总"
LINES_SHEET = "索赔明细"
REBATE_SHEET = "返利少返"
PARCEL_SHEET = "丢件破损理赔"
HEADER_ROW = 3
"""Every sheet: the title on row 1, a note on row 2, the column headers on row 3."""

FEE_NAMES = {"freight": "运费", "insurance": "保价费", "remote": "偏远附加费",
             "upstairs": "上楼费", "warehousing": "仓储费", "packaging": "包装费",
             "handling": "操作费", "return": "退货运费", "rebate": "返利", "other": "其他"}

LINE_COLUMNS = [  # column of the claim line, header, number format, width
    ("reason", "索赔原因", "@", 16),
    ("waybill_no", "运单号", "@", 20),
    ("source_file", "账单文件", "@", 26),
    ("source_row", "账单行号", "0", 9),
    ("bill_date", "账单日期", "yyyy-mm-dd", 11),
    ("fee_name", "费用类型", "@", 10),
    ("billed_weight_kg", "账单计费重量(kg)", KG_FORMAT, 10),
    ("chargeable_kg", "我方计费重量(kg)", KG_FORMAT, 10),
    ("weight_kg", "实重(kg)", KG_FORMAT, 9),
    ("dimensions_cm", "尺寸(cm)", "@", 13),
    ("billed_province", "账单目的地", "@", 10),
    ("dest_province", "实际目的地", "@", 10),
    ("billed", "账单金额", MONEY_FORMAT, 11),
    ("price_billed", "合同价(按账单重量及目的地)", MONEY_FORMAT, 13),
    ("price_ours", "合同价(按我方计费重量及实际目的地)", MONEY_FORMAT, 13),
    ("owed", "我方应付", MONEY_FORMAT, 11),
    ("amount", "索赔金额", MONEY_FORMAT, 11),
    ("why", "索赔说明", "@", 60),
]

REBATE_COLUMNS = [  # the same, for a rebate short of the contract: one row per month
    ("rebate_cycle", "返利月份", "@", 10),
    ("rebate_credit_month", "入账账单月", "@", 10),
    ("rebate_basis", "计量", "@", 8),
    ("rebate_parcels", "票数", "#,##0", 10),
    ("rebate_freight", "运费", MONEY_FORMAT, 14),
    ("rebate_tier", "档位", "@", 6),
    ("rebate_tier_from", "档位起点", "#,##0.00", 12),
    ("rebate_rate", "返利率", "0.00%", 8),
    ("rebate_due", "应返", MONEY_FORMAT, 12),
    ("rebate_credited", "已返", MONEY_FORMAT, 12),
    ("amount", "少返金额", MONEY_FORMAT, 12),
    ("rebate_credit_lines", "账单返利行", "@", 30),
    ("rebate_scheme", "合同行", "@", 26),
    ("why", "索赔说明", "@", 60),
]


PARCEL_COLUMNS = [  # a lost or damaged parcel's claim: one row per parcel
    ("reason", "索赔原因", "@", 18),
    ("waybill_no", "运单号", "@", 20),
    ("incident_name", "异常类型", "@", 8),
    ("incident_time", "异常时间", "yyyy-mm-dd hh:mm", 16),
    ("insured_name", "保价", "@", 6),
    ("declared_value", "申报价值", MONEY_FORMAT, 11),
    ("basis_name", "赔付基数", "@", 10),
    ("multiple", "倍数", "0.00##", 7),
    ("freight", "运费", MONEY_FORMAT, 10),
    ("goods_value", "货值", MONEY_FORMAT, 11),
    ("cap", "单票上限", MONEY_FORMAT, 11),
    ("owed", "按合同应赔", MONEY_FORMAT, 12),
    ("received", "已赔付", MONEY_FORMAT, 11),
    ("claim_due", "理赔期限", "yyyy-mm-dd", 11),
    ("amount", "索赔金额", MONEY_FORMAT, 11),
    ("credit_lines", "赔付账单行", "@", 26),
    ("why", "索赔说明", "@", 60),
]
INCIDENT_NAMES = {"lost": "丢失", "damaged": "破损"}
BASIS_NAMES = {"freight_multiple": "运费倍数", "goods_value": "货值", "declared_value": "保价金额"}


def workbook_name(carrier: str) -> str:
    """``freight_claims_<carrier>.xlsx``; any character of the carrier's name but a letter, a
    digit, ``-`` or ``_`` becomes ``_``, so a name from a bill cannot leave the folder."""
    safe = re.sub(r"[^\w-]", "_", str(carrier), flags=re.ASCII).strip("_") or "UNKNOWN"
    return f"freight_claims_{safe[:60]}.xlsx"


def claim_lines(db: Database, period: Period,
                settings: Settings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """The period's claims, one row per claimed bill line (one per month for a rebate short of
    the contract), with the line's bill file and row, billed and contract values, the amount
    claimed and ``why``, the reason in a Chinese sentence (``sql/freight_claim_lines.sql``);
    and one row per parcel not billed yet (``FRT_UNBILLED``, an accrual, not a claim).

    Builds the freight reconciliation's price tables for the period again first (the same
    named queries with ``settings``), so the prices are those the findings were made with."""
    bounds = period.bounds()
    db.run("freight_parcels", bill_cycle=settings.bill_cycle,
           grace_days=settings.bill_grace_days, lag_days=settings.bill_lag_days, **bounds)
    db.run("freight_bill", **bounds)
    lines = db.query("freight_claim_lines", period=period.label)
    lines["reason"] = lines["reason_code"].map(lambda c: REASONS[c].title_zh)
    lines["fee_name"] = lines["fee_type"].map(lambda f: FEE_NAMES.get(f, f) if isinstance(f, str)
                                              else None)
    lines["why"] = [_why(r) for r in lines.itertuples(index=False)]
    return lines


def parcel_claim_lines(db: Database, period: Period) -> pd.DataFrame:
    """The period's lost and damaged parcel claims, one row per parcel, with the reason, the
    incident and the rule in Chinese and ``why`` (``sql/claims_claim_lines.sql``)."""
    rows = db.query("claims_claim_lines", period=period.label)
    rows["reason"] = rows["reason_code"].map(lambda c: REASONS[c].title_zh)
    rows["incident_name"] = rows["incident"].map(INCIDENT_NAMES)
    rows["basis_name"] = rows["basis"].map(BASIS_NAMES)
    rows["insured_name"] = rows["insured"].map({True: "是", False: "否"})
    rows["why"] = [_parcel_why(r) for r in rows.itertuples(index=False)]
    return rows


def write_claims(db: Database, period: Period, out_dir: Path,
                 settings: Settings = DEFAULT_SETTINGS) -> list[Path]:
    """Write one workbook per courier with something to claim in the period (bill lines, a
    rebate, lost or damaged parcels); returns their paths. ``settings`` gives the billing rules
    the prices were found with and our company's name (``Settings.company``) for the headers."""
    lines = claim_lines(db, period, settings)
    lines = lines[lines["reason_code"] != ACCRUAL]  # ours to accrue, not the courier's to pay
    parcels = parcel_claim_lines(db, period)
    if len(parcels):
        lines = pd.concat([lines, parcels], ignore_index=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("freight_claims_*.xlsx"):  # a carrier may have no claims any more
        old.unlink()
    paths = []
    made = datetime.now()
    for carrier, part in lines.groupby("carrier", sort=True, dropna=False):
        name = "UNKNOWN" if pd.isna(carrier) else str(carrier)
        path = out_dir / workbook_name(name)
        _write_workbook(path, name, period, part, settings.company, made)
        paths.append(path)
        log.info("wrote %s (%d claimed lines, %s)", path.name, len(part),
                 f"{float(part['amount'].fillna(0).sum()):,.2f}")
    return paths


# -- the Chinese sentence of a claimed line -----------------------------------------------------
def _kg(value) -> str:
    if value is None or pd.isna(value):
        return "?"
    return f"{float(value):.3f}".rstrip("0").rstrip(".")


def _yuan(value) -> str:
    return "?" if value is None or pd.isna(value) else f"{float(value):,.2f}"


def _text(value) -> str:
    return "?" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _why(r) -> str:
    """Why a line is claimed, in Chinese, with the figures of the row beside it."""
    code = r.reason_code
    if code == "FRT_DUPLICATE":
        first = "?" if pd.isna(r.first_row) else int(r.first_row)
        where = (f"第 {first} 行" if r.first_file == r.source_file
                 else f"{_text(r.first_file)} 第 {first} 行")
        return f"重复计费：同一运单的运费已在{where}计费，本行为重复计费，全额索赔"
    if code == "FRT_PHANTOM":
        return "非我方运单：我方发货记录中没有此运单号，全额索赔"
    if code == "FRT_WEIGHT_OVER":
        return (f"计费重量偏高：账单按 {_kg(r.billed_weight_kg)} kg 计费，我方计费重量为 "
                f"{_kg(r.chargeable_kg)} kg（实重 {_kg(r.weight_kg)} kg，尺寸 "
                f"{_text(r.dimensions_cm)} cm，按合同取实重与体积重较大者并进位）；按合同 "
                f"{_kg(r.chargeable_kg)} kg 应付 {_yuan(r.price_ours)}，账单 {_yuan(r.billed)}，"
                f"索赔差额 {_yuan(r.amount)}")
    if code == "FRT_RATE_OVER":
        return (f"单价高于合同：{_kg(r.billed_weight_kg)} kg 寄往 "
                f"{_text(r.billed_province if isinstance(r.billed_province, str) else r.dest_province)}"
                f" 按合同应付 {_yuan(r.price_billed)}，账单 {_yuan(r.billed)}，"
                f"索赔差额 {_yuan(r.amount)}")
    if code == "FRT_ZONE_MISMATCH":
        return (f"目的地不符：账单目的地 {_text(r.billed_province)}，包裹实际寄往 "
                f"{_text(r.dest_province)}；按实际目的地合同价应付 {_yuan(r.price_ours)}，账单 "
                f"{_yuan(r.billed)}，索赔差额 {_yuan(r.amount)}")
    if code == "FRT_INVALID_SURCHARGE":
        if r.fee_type == "remote":
            return (f"偏远附加费不适用：包裹寄往 {_text(r.dest_province)}，不在合同约定的偏远地区，"
                    "全额索赔")
        if r.fee_type == "insurance":
            return f"保价费不适用：包裹申报价值为 {_yuan(r.declared_value)}，未保价，全额索赔"
        if r.fee_type == "upstairs":
            return (f"上楼费不适用：包裹实重 {_kg(r.weight_kg)} kg，合同无此附加费或未达到起收重量，"
                    "全额索赔")
        return f"{FEE_NAMES.get(r.fee_type, _text(r.fee_type))}不适用，全额索赔"
    if code == "FRT_RETURN_NO_REQUEST":
        return "退货运费无依据：我方没有与此运单对应的退货申请，全额索赔"
    if code in PARCEL_CLAIMS:
        return _parcel_why(r)
    if code == REBATE:
        basis = f"{_text(r.rebate_parcels)} 票" if r.rebate_basis == "票数" \
            else f"运费 {_yuan(r.rebate_freight)}"
        return (f"返利少返：{_text(r.rebate_cycle)} 共 {basis}，达到第 {_text(r.rebate_tier)} 档"
                f"（返利率 {float(r.rebate_rate):.2%}），应返 {_yuan(r.rebate_due)}，"
                f"已返 {_yuan(r.rebate_credited)}，少返 {_yuan(r.amount)}")
    return REASONS[code].title_zh if code in REASONS else str(code)


def _parcel_why(r) -> str:
    """A lost or damaged parcel's claim in Chinese: the rule, what it owes, what was paid."""
    what = INCIDENT_NAMES.get(r.incident, _text(r.incident))
    times = f"{float(r.multiple):g}"
    base = {"freight_multiple": f"运费 {_yuan(r.freight)} 的 {times} 倍",
            "goods_value": f"货值 {_yuan(r.goods_value)} 的 {times} 倍",
            "declared_value": f"保价金额 {_yuan(r.declared_value)} 的 {times} 倍"}.get(
        r.basis, _text(r.basis))
    cap = "" if r.cap is None or pd.isna(r.cap) else f"，单票上限 {_yuan(r.cap)}"
    insured = "（已保价，赔付不超过申报价值）" if r.insured else ""
    paid = ("截至期末未收到赔付" if r.reason_code == "CLM_NOT_COMPENSATED"
            else f"已赔付 {_yuan(r.received)}")
    due = "?" if pd.isna(r.claim_due) else f"{pd.Timestamp(r.claim_due):%Y-%m-%d}"
    return (f"{what}{insured}：按合同赔付{base}{cap}，应赔 {_yuan(r.owed)}，理赔期限 {due}；"
            f"{paid}，索赔 {_yuan(r.amount)}")


# -- the workbook ----------------------------------------------------------------------------
def _write_workbook(path: Path, carrier: str, period: Period, lines: pd.DataFrame,
                    company: str, made: datetime) -> None:
    last_day = period.end.toordinal() - 1
    span = f"{period.start:%Y-%m-%d} 至 {date.fromordinal(last_day):%Y-%m-%d}"
    heading = f"{company} 快递费索赔 — {carrier} — 账期 {period.label}"
    with workbook.Book(path) as book:
        _summary(book.sheet(SUMMARY_SHEET), carrier, period, lines, company, made, span,
                 heading)
        items = lines[lines["reason_code"].isin(CLAIMS) & (lines["reason_code"] != REBATE)]
        if len(items):
            ws = book.sheet(LINES_SHEET)
            _sheet(ws, f"{company} 快递费索赔明细 — {carrier} — 账期 {period.label}",
                   "账单行号为贵司账单文件中的行号（Excel 行号或 CSV 行号，表头计在内）；金额单位：元",
                   LINE_COLUMNS, items.assign(order=items["reason_code"].map(CLAIMS.index))
                   .sort_values(["order", "source_file", "source_row"], na_position="last"))
            _print_setup(ws, heading, made)
        rebates = lines[lines["reason_code"] == REBATE]
        if len(rebates):
            ws = book.sheet(REBATE_SHEET)
            _sheet(ws, f"{company} 返利少返 — {carrier} — 账期 {period.label}",
                   "按合同返利档位核算；金额单位：元", REBATE_COLUMNS, rebates)
            _print_setup(ws, heading, made)
        parcels = lines[lines["reason_code"].isin(PARCEL_CLAIMS)]
        if len(parcels):
            ws = book.sheet(PARCEL_SHEET)
            _sheet(ws, f"{company} 丢件破损理赔 — {carrier} — 账期 {period.label}",
                   "按合同理赔标准核算，截至账期末的赔付（账单抵扣或银行转账）；金额单位：元",
                   PARCEL_COLUMNS, parcels.sort_values(["reason_code", "waybill_no"]))
            _print_setup(ws, heading, made)


def _summary(ws: workbook.Sheet, carrier: str, period: Period, lines: pd.DataFrame,
             company: str, made: datetime, span: str, heading: str) -> None:
    """What is claimed by reason, the total, and who claims what of whom."""
    ws.row([f"{company} 快递费对账索赔单 — 快递公司 {carrier} — 账期 {period.label}"],
           Style(bold=True, size=13))
    ws.skip()
    ws.header(["索赔原因", "代码", "笔数", "索赔金额"])
    money = [None, None, None, Style(number=MONEY_FORMAT)]
    first = ws.last_row + 1
    count, total = 0, 0.0
    for code in CLAIMS + PARCEL_CLAIMS:
        part = lines[lines["reason_code"] == code]
        if part.empty:
            continue
        amount = round(float(part["amount"].fillna(0).sum()), 2)
        ws.row([REASONS[code].title_zh, code, len(part), amount], money)
        count, total = count + len(part), total + amount
    last = ws.last_row
    bold = Style(bold=True)
    ws.row(["可索赔合计", "", Formula(f"=SUM(C{first}:C{last})", count),
            Formula(f"=SUM(D{first}:D{last})", round(total, 2))],
           [bold, None, None, Style(number=MONEY_FORMAT, bold=True)])
    ws.skip()
    for label, value in (("索赔方", company), ("快递公司", carrier),
                         ("账期", f"{period.label}（{span}）"),
                         ("明细", f"见「{LINES_SHEET}」表：每行对应贵司账单文件中的一行"
                                  "（账单文件、账单行号），列出账单金额、我方按合同核算的金额和索赔金额"),
                         ("制表日期", f"{made:%Y-%m-%d}")):
        ws.row([label, value])
    if (lines["reason_code"] == REBATE).any():
        ws.row(["返利", f"见「{REBATE_SHEET}」表"])
    if lines["reason_code"].isin(PARCEL_CLAIMS).any():
        ws.row(["丢件破损理赔", f"见「{PARCEL_SHEET}」表：每行一票丢失或破损的包裹，按合同理赔标准核算"])
    ws.widths((22, 70, 10, 16))
    ws.freeze(HEADER_ROW)
    _print_setup(ws, heading, made)


def _sheet(ws: workbook.Sheet, title: str, note: str, columns, rows: pd.DataFrame) -> None:
    """Title, note, header (row 3), one row per record, and a total of the amount claimed."""
    ws.row([title], Style(bold=True, size=12))
    ws.row([note])
    ws.header([header for _, header, _, _ in columns])
    styles = [Style(number=fmt, wrap=fmt == "@" and width >= 60) for _, _, fmt, width in columns]
    first = ws.last_row + 1
    last = ws.rows(rows[[col for col, _, _, _ in columns]].itertuples(index=False, name=None),
                   styles)
    names = [col for col, _, _, _ in columns]
    total: list = [""] * len(columns)
    total[0] = "合计"
    for name in ("billed", "owed", "received", "amount"):  # billed - owed = claimed, and here
        if name in names:
            col = workbook.column_letter(names.index(name) + 1)
            total[names.index(name)] = Formula(f"=SUM({col}{first}:{col}{last})",
                                               round(float(rows[name].fillna(0).sum()), 2))
    ws.row(total, [Style(number=s.number, bold=True, wrap=s.wrap) for s in styles])
    ws.widths([width for _, _, _, width in columns])
    ws.freeze(HEADER_ROW)
    ws.filter(HEADER_ROW, last, len(columns))


def _print_setup(ws: workbook.Sheet, heading: str, made: datetime) -> None:
    """A4 landscape, one page wide; company, courier and period in the page header."""
    ws.print_setup(header=heading, footer_left=f"制表日期 {made:%Y-%m-%d}", repeat_row=HEADER_ROW)
