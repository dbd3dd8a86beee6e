"""The one catalogue of names people read: every column, reason code, channel, carrier, status,
yes/no and chart axis, Chinese first and English second (``应收逾期 Receivables overdue``).

HTML pages, charts, workbooks, the CLI and alerts take their labels from here, so a column reads
the same everywhere. The names live in ``recon_lib/data/labels.csv`` (``kind,name,zh,en,cells``):

- ``kind=column``: a column a page or workbook shows; ``cells`` names the vocabulary its values
  are read through (``channel``: ``tmall`` shows as ``天猫 Tmall``), empty when the values are
  shown as they are (ids, amounts, names from the input files).
- any other ``kind`` is a vocabulary of values: ``channel``, ``carrier``, ``severity``,
  ``boolean`` (``是``/``否``), ``axis`` (chart units)...

Reason codes are labelled from :mod:`recon_lib.reasons` (``title_zh`` and ``title``), never
copied here. A new column gets its label by adding one line to the CSV; a page that shows a
column without one marks its header ``class="unlabelled"`` and the end-to-end test fails
(tests/report/test_labels.py).

Language: ``RECON_LANGUAGE=en`` shows English only and the engine's own English explanations;
the default (``zh``) shows ``中文 English`` labels and explanations in Chinese, written from each
finding's structured ``details`` (:func:`explain`).
"""

from __future__ import annotations

import csv
import json
import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

from recon_lib.formats import yuan
from recon_lib.reasons import REASONS

log = logging.getLogger(__name__)

LANGUAGES = ("zh", "en")
"""``zh``: Chinese first, English second, explanations in Chinese (the default); ``en``:
English labels and the engine's English explanations."""


_forced: list[str] = []


def language() -> str:
    """The reader's language: ``RECON_LANGUAGE`` (``zh`` or ``en``), ``zh`` when unset."""
    if _forced:
        return _forced[-1]
    value = os.environ.get("RECON_LANGUAGE", "zh").strip().lower() or "zh"
    return value if value in LANGUAGES else "zh"


@contextmanager
def language_as(lang: str) -> Iterator[None]:
    """Labels and explanations in ``lang`` inside the block, whatever the setting."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    _forced.append(lang)
    try:
        yield
    finally:
        _forced.pop()


@dataclass(frozen=True)
class Label:
    zh: str
    en: str

    def __str__(self) -> str:
        return self.text()

    def text(self, lang: str | None = None) -> str:
        """``中文 English`` (or English alone in ``en``; one of them when they are the same)."""
        if (lang or language()) == "en" or not self.zh or self.zh == self.en:
            return self.en or self.zh
        return f"{self.zh} {self.en}" if self.en else self.zh


def both(zh: str, en: str) -> str:
    """A sentence or heading in the reader's language: ``中文 English`` or English alone."""
    return Label(zh, en).text()


@dataclass(frozen=True)
class _Catalogue:
    columns: dict[str, Label]
    cells: dict[str, str]           # column -> vocabulary of its values
    values: dict[str, dict[str, Label]]  # vocabulary -> value -> label


@cache
def catalogue() -> _Catalogue:
    """The catalogue as read from ``data/labels.csv`` (read once)."""
    text = resources.files("recon_lib").joinpath("data/labels.csv").read_text(encoding="utf-8")
    columns: dict[str, Label] = {}
    cells: dict[str, str] = {}
    values: dict[str, dict[str, Label]] = {}
    for row in csv.DictReader(text.splitlines()):
        kind, name = row["kind"].strip(), row["name"].strip()
        label = Label(row["zh"].strip(), row["en"].strip())
        if kind == "column":
            columns[name] = label
            if row.get("cells", "").strip():
                cells[name] = row["cells"].strip()
        else:
            values.setdefault(kind, {})[name] = label
    return _Catalogue(columns, cells, values)


class UnlabelledColumn(KeyError):
    """A column name the catalogue has no label for."""


def has_column(name: str) -> bool:
    return str(name) in catalogue().columns


def column(name: str) -> str:
    """The header for column ``name``: ``金额 Amount``. Raises :class:`UnlabelledColumn`."""
    try:
        return catalogue().columns[str(name)].text()
    except KeyError:
        raise UnlabelledColumn(f"column {name!r} has no label in recon_lib/data/labels.csv"
                               ) from None


def column_label(name: str) -> Label:
    """Column ``name``'s label, both languages. Raises :class:`UnlabelledColumn`."""
    try:
        return catalogue().columns[str(name)]
    except KeyError:
        raise UnlabelledColumn(f"column {name!r} has no label in recon_lib/data/labels.csv"
                               ) from None


def cells_of(name: str) -> str | None:
    """The vocabulary column ``name``'s values are read through, or None (shown as they are)."""
    return catalogue().cells.get(str(name))


def is_missing(v) -> bool:
    """None, NaN, NaT or pd.NA (not a list or an array)."""
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def value(vocabulary: str | None, v) -> str:
    """A value as a reader sees it: ``tmall`` in ``channel`` as ``天猫 Tmall``, a reason code as
    its title, ``True``/``False`` as ``是``/``否``; a value the vocabulary does not know (a
    warehouse, a carrier the catalogue has not met) as it is."""
    if is_missing(v):
        return ""
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return yes_no(bool(v))
    if vocabulary == "reason":
        return reason(str(v))
    if vocabulary == "recon":
        return recon(str(v))
    known = catalogue().values.get(vocabulary or "", {}).get(str(v))
    return known.text() if known else str(v)


def yes_no(flag: bool) -> str:
    """``是`` or ``否`` (``Yes``/``No`` in English)."""
    label = catalogue().values["boolean"][str(bool(flag))]
    return label.en if language() == "en" else label.zh


def channel(name) -> str:
    return value("channel", name)


def carrier(name) -> str:
    return value("carrier", name)


def reason(code: str) -> str:
    """A reason code's title: ``超时未发货 Not shipped within SLA``; an unknown code as it is."""
    r = REASONS.get(code)
    return Label(r.title_zh, r.title).text() if r else str(code)


def recon(name: str) -> str:
    """A reconciliation's name: ``运费 Freight``."""
    known = catalogue().values["recon"].get(name)
    return known.text() if known else str(name)


def axis(unit: str) -> str:
    """A chart's axis or legend text: ``yuan`` as ``金额(元) Yuan``; other text as it is."""
    known = catalogue().values["axis"].get(unit)
    return known.text() if known else unit


def term(vocabulary: str, name: str) -> str:
    """Any catalogue entry by kind and name (``term("source_state", "absent")``)."""
    return value(vocabulary, name)


# -- explanations in Chinese, from each finding's structured details --------------------------
def _t(value) -> str:
    """A timestamp from the details as people read it: ``2026-10-19 04:26``."""
    text = str(value)
    return text[:16] if len(text) >= 16 and text[10:11] in (" ", "T") else text


def _n(value) -> str:
    """A quantity without trailing zeros: 2, 9.5."""
    number = float(value)
    return f"{number:,.0f}" if number == int(number) else f"{number:,.3f}".rstrip("0")


def _y(value) -> str:
    return yuan(abs(float(value))) if float(value) < 0 else yuan(value)


def _part(key: str, i: int) -> str:
    parts = str(key).split("|")
    return parts[i] if i < len(parts) else ""


def _en(d: Mapping, pattern: str) -> tuple[str, ...]:
    """Parts of the engine's English explanation that its details do not store (a bank
    counterparty, a bill line): KeyError when the English does not read as expected, and the
    whole explanation falls back to English."""
    found = re.search(pattern, d.get("_english") or "")
    if found is None:
        raise KeyError(pattern)
    return found.groups()


def _line(d: Mapping) -> str:
    """``（账单行 file:row）`` from the details, or from the English explanation, or ''."""
    line = d.get("line")
    if not line:
        found = re.search(r"\bline ([^()]+?:\d+)", d.get("_english") or "")
        line = found.group(1) if found else ""
    return f"（账单行 {line}）" if line else ""


def _billed(d: Mapping) -> str:
    """``（账单 ¥7.50，合同 ¥5.50）`` from the English explanation, or ''."""
    found = re.search(r"\(billed ([\d.,-]+), contract ([\d.,-]+)\)", d.get("_english") or "")
    return (f"（账单 {_y(found.group(1).replace(',', ''))}，合同 "
            f"{_y(found.group(2).replace(',', ''))}）") if found else ""


def _check(d: Mapping, field: str) -> Mapping:
    """The compare check on ``field`` of a match-engine finding."""
    return next(c for c in d["checks"] if c["field"] == field)


def _fee(name) -> str:
    known = catalogue().values["fee_type"].get(str(name))
    return known.zh if known else str(name)


def _surcharge(d: Mapping, key: str) -> str:
    fee = d.get("fee_type") or _part(key, 1)
    why = {"remote": "目的地不在合同列明的偏远地区", "insurance": "包裹没有申报价值",
           "upstairs": "包裹重量未达上楼费标准"}.get(fee, "合同条件不成立")
    return f"运单 {_part(key, 0)} 收取{_fee(fee)} {_y(d['payable'])}，但{why}{_line(d)}"


def _window(d: Mapping) -> str:
    w = d["window"]
    hours = float(w["difference_seconds"]) / 3600
    return (f"发货 {_t(w['left'])}，出库过账 {_t(w['right'])}，相差 {abs(hours):,.1f} 小时，"
            f"超出允许的前 {float(w['before_seconds']) / 3600:,.0f} 小时至后 "
            f"{float(w['after_seconds']) / 3600:,.0f} 小时")


def _rebate(d: Mapping) -> str:
    basis = "件" if d.get("basis") == "parcels" else "元运费"
    tier = (f"达到第 {d['tier']} 档（{_n(d['tier_from'])} {basis}起）返 {float(d['rate']):.1%}"
            if d.get("tier") is not None else "未达返利档位")
    credited = "未返" if not float(d.get("credited") or 0) else f"已返 {_y(d['credited'])}"
    return (f"{carrier(d['carrier'])} {d['cycle']} 返利：{_n(d['parcels'])} 件，运费 "
            f"{_y(d['freight'])}，{tier}；应返 {_y(d['due'])}，{credited}")


def _claim(k: str, d: Mapping) -> str:
    """A lost or damaged parcel's claim: the rule, what it owes, what was paid (docs/claims.md)."""
    what = "丢失" if d["incident"] == "lost" else "破损"
    times = _n(d["multiple"])
    base = {"freight_multiple": f"运费 {_y(d['freight'])} x {times}" if d.get("freight") is not None
            else f"运费 x {times}（账单无运费行）",
            "goods_value": f"货值 {_y(d['goods_value'])} x {times}"
            if d.get("goods_value") is not None else f"货值 x {times}（货值未知）",
            "declared_value": f"保价金额 {_y(d['declared_value'])} x {times}"
            if d.get("declared_value") is not None else f"保价金额 x {times}（无申报价值）",
            }[d["basis"]]
    cap = f"，单票上限 {_y(d['cap'])}" if d.get("cap") is not None else ""
    owed = _y(d["owed"]) if d.get("owed") is not None else "未知"
    insured = f"保价 {_y(d['declared_value'])} 的" if d.get("insured") and \
        d.get("declared_value") is not None else ("保价" if d.get("insured") else "")
    paid = (f"已赔 {_y(d['received'])}" if float(d.get("received") or 0) > 0
            else "截至期末未收到赔付")
    return (f"{carrier(d['carrier'])} {insured}包裹 {k} 于 {_t(d['incident_time'])[:10]} {what}；"
            f"合同按{base}{cap}，应赔 {owed}，理赔期限 {_t(d['due'])[:10]} 前；{paid}")


def _conditions(d: Mapping) -> str:
    names = [catalogue().values["condition"].get(c, Label(c, c)).zh for c in d["conditions"]]
    return f"退回商品{('、'.join(names))}（入库单 {'、'.join(d['receipts'])}）"


def _no_movement(k: str, d: Mapping) -> str:
    (qty,) = _en(d, r"shipped (\d+) x ")
    return f"包裹 {_part(k, 0)} 发出 {qty} 件 {_part(k, 1)}，但库存从未扣减"


def _no_shipment(k: str, d: Mapping) -> str:
    qty, sku, parcel = _en(d, r"deducted (\S+) x (.+) for (?:parcel (.+)|no parcel), which "
                              r"shipped no such SKU$")
    if parcel is None:
        return f"出库单 {k} 扣减了 {qty} 件 {sku}，但没有对应的包裹（可能丢货）"
    return f"出库单 {k} 为包裹 {parcel} 扣减了 {qty} 件 {sku}，但该包裹没有发出这个商品（可能丢货）"


def _unexpected_parcel(k: str, d: Mapping) -> str:
    waybill, qty, sku = _en(d, r"^receipt .+ \((.*), (\S+) x (.+)\) names no return request$")
    return f"入库单 {k}（运单 {waybill}，{qty} 件 {sku}）没有对应的退货申请"


def _no_deposit(k: str, d: Mapping) -> str:
    (paid,) = _en(d, r" paid (\S+) has no")
    return f"提现 {k}（{_y(d['left'])}，{paid} 提现）在到账窗口内没有银行入账"


def _deposit_no_payout(k: str, d: Mapping) -> str:
    day, memo = _en(d, r" on (\S+) \((.*)\) matches no payout$")
    return f"银行入账 {k}（{_y(d['right'])}，{day}，{memo}）找不到对应的提现"


def _not_settled(d: Mapping) -> str:
    channel, shipped, _, days = _en(d, r"^(\S+) order dispatched (\S+) should have settled by "
                                       r"(\S+) \((\d+)-day cycle\)")
    return (f"{value('channel', channel)} 订单 {shipped} 发货，按 {days} 天结算周期应于 "
            f"{_t(d['deadline'])} 前结算，截至期末平台未入账（实付 {_y(d['paid_amount'])}）")


def _address(d: Mapping) -> str:
    province, city = d.get("province"), d.get("city")
    if not province and not city:
        return "收货地址既没有省份也没有城市"
    if not province:
        return f"收货地址没有省份（城市 {city}）"
    if not city:
        return f"收货地址没有城市（省份 {province}）"
    return f"城市 {city} 属于{d['province_of_city']}，不在{province}"


def _postcode(d: Mapping) -> str:
    if not d.get("province_of_postcode"):
        return f"邮编 {d['postcode']} 不是有效的内地邮编"
    return f"邮编 {d['postcode']} 属于{d['province_of_postcode']}，收货地址在{d['province']}"


def _price(d: Mapping) -> str:
    text = (f"{_n(d['qty'])} 件 {d['sku']} 售价 {_y(d['unit_price'])}，标价 "
            f"{_y(d['list_price'])}")
    if d.get("below_cost"):
        return f"{text}，低于成本 {_y(d['unit_cost'])}"
    return f"{text}，偏离超过允许的 {float(d['tolerance']):.0%}"


_EXPLAIN: dict[str, Callable[[str, str, Mapping], str]] = {
    "SHIP_UNSHIPPED": lambda k, o, d: (f"{_t(d['paid_at'])} 付款，应于 {_t(d['deadline'])} 前发货；"
                                       "截至期末没有发出包裹"),
    "SHIP_LATE": lambda k, o, d: (f"最后一个包裹 {_t(d['last_ship'])} 发出，比发货时限 "
                                  f"{_t(d['deadline'])} 晚 {float(d['hours_late']):,.1f} 小时"),
    "SHIP_PARTIAL": lambda k, o, d: (f"订购 {_n(d['ordered_qty'])} 件 {d['sku']}，截至期末发出 "
                                     f"{_n(d['shipped_qty'])} 件（少 {_n(-float(d['difference']))} 件）"),
    "SHIP_OVER": lambda k, o, d: (f"订购 {_n(d['ordered_qty'])} 件 {d['sku']}，发出 "
                                  f"{_n(d['shipped_qty'])} 件（多 {_n(d['difference'])} 件）"),
    "SHIP_WRONG_SKU": lambda k, o, d: (f"发出 {_n(d['shipped_qty'])} 件 {d['shipped_sku']}，订单要的是 "
                                       f"{_n(d['ordered_qty'])} 件 {d['ordered_sku']}"),
    "SHIP_AFTER_CANCEL": lambda k, o, d: (f"订单 {_t(d['cancelled_at'])} 已取消，包裹 "
                                          f"{'、'.join(d['shipments'])} 仍于 {_t(d['first_ship'])} 发出"),
    "SHIP_UNKNOWN_ORDER": lambda k, o, d: (f"包裹 {d['shipment_id']}（运单 {d['tracking_no']}）写的订单 "
                                           f"{d['order_ref']} 不在订单导出中"),
    "OUT_NO_MOVEMENT": lambda k, o, d: _no_movement(k, d),
    "OUT_NO_SHIPMENT": lambda k, o, d: _no_shipment(k, d),
    "OUT_QTY_MISMATCH": lambda k, o, d: (f"包裹 {_part(k, 0)} 发出 {_n(_check(d, 'qty')['left'])} 件 "
                                         f"{_part(k, 1)}，出库单扣减 {_n(_check(d, 'qty')['right'])} 件"),
    "OUT_SKU_MISMATCH": lambda k, o, d: (f"包裹 {d['shipment_id']} 发出 {_n(d['shipped_qty'])} 件 "
                                         f"{d['shipped_sku']}，出库单 {d['movement_id']} 却扣减了 "
                                         f"{_n(d['deducted_qty'])} 件 {d['deducted_sku']}"),
    "OUT_TIME_GAP": lambda k, o, d: _window(d),
    "FRT_DUPLICATE": lambda k, o, d: (f"运单 {_part(k, 0)} 的{_fee(_part(k, 1))}重复计费（第 "
                                      f"{d['copy']} 笔，共 {d['copies']} 笔）{_line(d)}"),
    "FRT_PHANTOM": lambda k, o, d: f"运单 {k} 不是我方发出的包裹，也不是退货包裹{_line(d)}",
    "FRT_UNBILLED": lambda k, o, d: (f"运单 {k} 于 {_t(d['ship_time'])} 发出，账单应在 "
                                     f"{_t(d['bill_due'])[:10]} 前计费，已加载的账单都没有；应计 "
                                     f"{_y(d['expected_payable'])}"),
    "FRT_WEIGHT_OVER": lambda k, o, d: (
        f"计费重量 {_n(_check(d, 'billed_weight_kg/chargeable_kg')['left'])} kg，我方计费重量 "
        f"{_n(_check(d, 'billed_weight_kg/chargeable_kg')['right'])} kg{_billed(d)}"),
    "FRT_RATE_OVER": lambda k, o, d: (f"{_n(d['billed_weight_kg'])} kg 发往{d['priced_province']}，"
                                      f"账单 {_y(d['payable'])}，合同价 {_y(d['contract_payable'])}"
                                      f"{_line(d)}"),
    "FRT_ZONE_MISMATCH": lambda k, o, d: (f"账单目的地 {_check(d, 'dest_province')['left']}，包裹实际发往 "
                                          f"{_check(d, 'dest_province')['right']}{_billed(d)}"),
    "FRT_INVALID_SURCHARGE": lambda k, o, d: _surcharge(d, k),
    "FRT_RETURN_NO_REQUEST": lambda k, o, d: (f"退货运费 {_y(d['payable'])}，运单 {k} 没有对应的退货申请"
                                              f"{_line(d)}"),
    "FRT_REBATE_SHORT": lambda k, o, d: _rebate(d),
    "RET_REFUND_NOT_RECEIVED": lambda k, o, d: (f"已退款 {_y(d['refunded'])}，截至期末未收到退货（退款后 "
                                                f"{d['days_since_refund']} 天）"),
    "RET_RECEIVED_NOT_REFUNDED": lambda k, o, d: (f"{_t(d['received_at'])} 收到可售退货，未退款（应退 "
                                                  f"{_y(d['amount_due'])}）"),
    "RET_QTY_MISMATCH": lambda k, o, d: (f"申请退 {_n(_check(d, 'qty')['left'])} 件 {_part(k, 1)}，"
                                         f"仓库收到 {_n(_check(d, 'qty')['right'])} 件"),
    "RET_BAD_CONDITION": lambda k, o, d: _conditions(d),
    "RET_REFUND_MISMATCH": lambda k, o, d: (f"已退款 {_y(d['refunded'])}，收到的可售商品值 "
                                            f"{_y(d['amount_due'])}"),
    "RET_UNEXPECTED_PARCEL": lambda k, o, d: _unexpected_parcel(k, d),
    "RET_NO_PICKUP": lambda k, o, d: (f"{_t(d['requested_at'])} 申请退货，运单 {d['waybill']} "
                                      "一直未揽收，也未收到退货"),
    "INTAKE_BAD_PHONE": lambda k, o, d: (f"收货电话 {d['phone'] or '（无数字）'} 既不是内地手机号，"
                                         "也不是带区号的固定电话"),
    "INTAKE_BAD_ADDRESS": lambda k, o, d: _address(d),
    "INTAKE_BAD_POSTCODE": lambda k, o, d: _postcode(d),
    "INTAKE_UNKNOWN_SKU": lambda k, o, d: f"订购 {_n(d['qty'])} 件 {d['sku']}：商品资料中没有这个编码",
    "INTAKE_INACTIVE_SKU": lambda k, o, d: f"订购 {_n(d['qty'])} 件 {d['sku']}：商品资料标记为已停售",
    "INTAKE_PRICE_OFF_LIST": lambda k, o, d: _price(d),
    "INTAKE_TOTAL_MISMATCH": lambda k, o, d: (f"商品 {_y(d['lines_total'])} + 运费 {_y(d['shipping_fee'])}"
                                              f" - 优惠 {_y(d['discount'])} = {_y(d['expected'])}，"
                                              f"买家实付 {_y(d['paid_amount'])}"),
    "INTAKE_LIKELY_DUPLICATE": lambda k, o, d: (f"同一买家在订单 {d['first_order']} 之后 "
                                                f"{d['minutes']} 分钟又下了一单，商品（{d['items']}）"
                                                "和收货地址都相同"),
    "INTAKE_OVER_STOCK": lambda k, o, d: (f"{_t(d['ordered_at'])} 订购 {_n(d['qty'])} 件 {d['sku']}，"
                                          f"当时在库 {_n(d['on_hand'])} 件（{d['snapshot_date']} 库存 "
                                          f"{_n(d['snapshot_on_hand'])} 件，下单后变动 "
                                          f"{_n(d['moved_since'])} 件）"),
    "INTAKE_PAYMENT_TIME": lambda k, o, d: (f"订单状态为{'已付款' if d['status'] == 'paid' else '交易成功'}，"
                                            "但没有付款时间" if not d.get("paid_at") else
                                            f"{_t(d['paid_at'])} 付款，早于下单时间 {_t(d['created_at'])}"),
    "PUR_INVOICE_NO_PO": lambda k, o, d: (f"{d['supplier']} 发票 {d['invoice_no']} 开票 {_n(d['qty'])} 件 "
                                          f"{d['sku']}，" + ("没有注明采购订单" if not d.get("po_no")
                                                           else f"采购订单 {d['po_no']} 没有这个商品或不存在")),
    "PUR_PRICE_OVER": lambda k, o, d: (f"发票 {d['invoice_no']} 开票 {_n(d['qty'])} 件 {d['sku']} 单价 "
                                       f"{_y(d['unit_price'])}，采购订单 {d['po_no']} 约定 {_y(d['po_price'])}"),
    "PUR_INVOICE_QTY_OVER": lambda k, o, d: (f"采购订单 {d['po_no']} 的 {d['sku']} 累计开票 "
                                             f"{_n(d['invoiced_so_far'])} 件，截至期末只入库 "
                                             f"{_n(d['received'])} 件（发票 {d['invoice_no']}）"),
    "PUR_REJECTED_INVOICED": lambda k, o, d: (f"采购订单 {d['po_no']} 的 {d['sku']} 累计开票 "
                                              f"{_n(d['invoiced_so_far'])} 件，入库 {_n(d['received'])} 件中"
                                              f"只合格 {_n(d['accepted'])} 件（发票 {d['invoice_no']}）"),
    "PUR_TAX_MISMATCH": lambda k, o, d: (f"发票 {d['invoice_no']} 第 {d['line_no']} 行税额 {_y(d['tax'])}，"
                                         f"不含税金额 {_y(d['amount'])} x 税率 {float(d['tax_rate']):.0%} = "
                                         f"{_y(d['expected_tax'])}"),
    "PUR_RECEIVED_NOT_ORDERED": lambda k, o, d: (
        f"入库单 {d['grn_no']} 收到 {_n(d['qty'])} 件 {d['sku']}，" +
        ("没有注明采购订单" if not d.get("po_no") else
         f"采购订单 {d['po_no']} 没有这个商品或不存在" if d.get("ordered") is None else
         f"采购订单 {d['po_no']} 订购 {_n(d['ordered'])} 件，累计入库 {_n(d['received_so_far'])} 件")),
    "PUR_PO_OVERDUE": lambda k, o, d: (f"采购订单 {d['po_no']}（{d['supplier']}）订购 {_n(d['ordered'])} 件 "
                                       f"{d['sku']}，预计 {d['expected_date']} 到货，截至期末入库 "
                                       f"{_n(d['received'])} 件"),
    "PUR_RECEIVED_NOT_INVOICED": lambda k, o, d: (f"入库单 {d['grn_no']} 于 {_t(d['received_at'])[:10]} 合格入库 "
                                                  f"{_n(d['accepted'])} 件 {d['sku']}（采购订单 {d['po_no']}），"
                                                  f"开票期已过，未开票 {_n(d['units'])} 件"),
    "PUR_PAID_TWICE": lambda k, o, d: (f"{_t(d['booked_at'])[:10]} 付给 {d['supplier']} "
                                       f"{_y(d['amount'])}（流水 {d['txn_id']}），发票 {d['invoice_no']} "
                                       f"累计已付 {_y(d['paid_so_far'])}，发票金额 {_y(d['total'])}"),
    "PUR_PAID_NOT_INVOICED": lambda k, o, d: (f"{_t(d['booked_at'])[:10]} 付给 {d['supplier']} "
                                              f"{_y(d['amount'])}（流水 {d['txn_id']}），摘要"
                                              f"「{d.get('reference') or ''}」没有对应的发票，也没有金额相同的未付发票"),
    "PAY_NOT_SETTLED": lambda k, o, d: _not_settled(d),
    "PAY_GROSS_MISMATCH": lambda k, o, d: (f"买家实付 {_y(_check(d, 'amount')['left'])}，平台结算 "
                                           f"{_y(_check(d, 'amount')['right'])}"),
    "PAY_FEE_MISMATCH": lambda k, o, d: (f"{_fee(_part(k, 1))}：费率表应为 "
                                         f"{_y(abs(float(_check(d, 'amount')['left'])))}，平台实扣 "
                                         f"{_y(abs(float(_check(d, 'amount')['right'])))}"),
    "PAY_DUPLICATE_LINE": lambda k, o, d: (f"结算明细 {k} 与 {d['first_line']} 重复入账（第 "
                                           f"{d['copy']} 笔，共 {d['copies']} 笔）"),
    "PAY_UNKNOWN_ORDER": lambda k, o, d: f"结算明细 {k} 所属订单 {o} 不在订单导出中",
    "PAY_PAYOUT_MISMATCH": lambda k, o, d: (f"提现 {k} 金额 {_y(d['amount'])}，其结算明细合计 "
                                            f"{_y(d['lines_total'])}"),
    "PAY_NO_DEPOSIT": lambda k, o, d: _no_deposit(k, d),
    "PAY_DEPOSIT_NO_PAYOUT": lambda k, o, d: _deposit_no_payout(k, d),
    "PAY_DEPOSIT_MISMATCH": lambda k, o, d: (f"提现 {k} 应到账 {_y(d['expected_cny'])}，实际到账 "
                                             f"{_y(d['deposited'])}（流水 {d['txn_id']}）"),
    "PAY_MATCH_UNRESOLVED": lambda k, o, d: "同金额、同日期的提现与入账太多，无法自动配对：请人工核对",
    "COD_NOT_REMITTED": lambda k, o, d: (f"{carrier(d['carrier'])} 代收货款包裹 {k} 于 "
                                         f"{_t(d['delivered_at'])[:10]} 签收，代收 {_y(d['cod_amount'])}；"
                                         f"合同 {d['remit_days']} 天回款，应于 {d['due_date']} 前回款，"
                                         "截至期末未回款"),
    "COD_REMITTED_SHORT": lambda k, o, d: (f"运单 {k} 代收货款 {_y(d['cod_amount'])}，快递公司称代收 "
                                           f"{_y(d['collected'])}，扣手续费 {_y(d['fee'])}，回款 "
                                           f"{_y(d['remitted'])}（回款批次 {d['batch_no']}）"),
    "COD_FEE_OVER": lambda k, o, d: (f"运单 {k} 代收 {_y(d['collected'])}，扣手续费 {_y(d['fee'])}，"
                                     f"合同手续费 {_y(d['contract_fee'])}（回款批次 {d['batch_no']}）"),
    "COD_BATCH_NOT_DEPOSITED": lambda k, o, d: (f"{carrier(d['carrier'])} 回款批次 {d['batch_no']}"
                                                f"（{d['remit_date']}）合计 {_y(d['batch_total'])}，"
                                                f"截至 {d['due_date']} 银行没有注明该批次、也没有金额相符的到账"),
    "COD_BATCH_SHORT": lambda k, o, d: (f"{carrier(d['carrier'])} 回款批次 {d['batch_no']}"
                                        f"（{d['remit_date']}）合计 {_y(d['batch_total'])}，银行到账 "
                                        f"{_y(d['deposited'])}（流水 {d['txn_ids']}）"),
    "COD_RETURNED_REMITTED": lambda k, o, d: (f"运单 {k} 买家于 {_t(d['refused_at'])[:10]} 拒收，"
                                              f"{carrier(d['carrier'])} 仍在回款批次 {d['batch_no']}"
                                              f"（{d['remit_date']}）回款 {_y(d['remitted'])}："
                                              "货款未实际代收，将被扣回"),
    "CLM_NOT_COMPENSATED": lambda k, o, d: _claim(k, d),
    "CLM_SHORT": lambda k, o, d: _claim(k, d),
    "CLM_INSURED_SHORT": lambda k, o, d: _claim(k, d),
}


def explain(code: str, key, order_id, details, english: str = "") -> str:
    """A finding's explanation in the reader's language: in Chinese, written from its stored
    ``details`` (a JSON text or a mapping) by the reason code's template; the engine's
    ``english`` explanation when the language is ``en``, or when the details lack what the
    template needs (an older run's finding)."""
    if language() == "en" or code not in _EXPLAIN:
        return english
    try:
        d = json.loads(details) if isinstance(details, str) else dict(details or {})
        d["_english"] = english
        return _EXPLAIN[code]("" if is_missing(key) else str(key),
                              "" if is_missing(order_id) else str(order_id), d)
    except (KeyError, TypeError, ValueError, StopIteration, AttributeError, json.JSONDecodeError):
        log.debug("no Chinese explanation for %s %s: details %r", code, key, details)
        return english


def has_explanation(code: str) -> bool:
    return code in _EXPLAIN


def count(n: int) -> str:
    """A number of findings: ``2 条`` (``2 findings`` in English)."""
    return f"{n:,} findings" if language() == "en" else f"{n:,} 条"

