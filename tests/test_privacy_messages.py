"""No loader message quotes personal data: a private column's value that strays into a column we
read is shown as '<private>' whatever error it causes, and a value that looks like an address or
a phone in a number, date or yes/no column is "a text value" even where no profile names it."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import pytest

from recon_lib.demo import write_demo
from recon_lib.errors import InputError
from recon_lib.load import load_profiles, parse_profile, read_file
from recon_lib.periods import parse_period
from recon_lib.privacy import TEXT_VALUE, looks_personal

PERIOD = parse_period("2026-10")
NOTE = "买家留言"  # a private column of the test profiles
PHONE = "联系电话"

TICKETS = {
    "name": "tickets_test", "table": "service_tickets", "file_types": ["csv"],
    "signature": ["工单号", "创建时间"], "private": [NOTE, PHONE],
    "columns": {
        "ticket_id": {"from": "工单号", "extract": r"^T\d+$"},
        "order_id": {"from": "订单编号"},
        "channel": {"from": "平台", "map": {"天猫": "tmall"}},
        "category": {"from": "工单类型", "map": {"其他": "other"}},
        "score": {"from": "评分"},
        "opened_at": {"from": "创建时间", "formats": ["%Y-%m-%d %H:%M:%S"]},
        "resolved_at": {"from": "解决时间", "formats": ["%m-%d"]},
        "reopened": {"from": "是否重开"},
    },
}
TICKET_ROW = {"工单号": "T1", "订单编号": "O1", "平台": "天猫", "工单类型": "其他", "评分": "5",
              "创建时间": "2026-10-05 10:00:00", "解决时间": "10-06", "是否重开": "否",
              NOTE: "", PHONE: ""}
ORDERS = {
    "name": "orders_test", "table": "orders", "file_types": ["csv"],
    "signature": ["订单编号", "实付金额"], "private": [NOTE, PHONE],
    "constants": {"channel": "shop", "status": "paid", "currency": "CNY"},
    "columns": {
        "created_at": {"from": "下单时间"},
        "order_id": {"from": "订单编号"},
        "paid_at": {"from": "付款时间", "timezone": "America/New_York"},
        "goods_amount": {"from": "商品金额"},
        "paid_amount": {"from": "实付金额", "sign": {"from": "收支", "map": {"收入": "+"}}},
    },
}
ORDER_ROW = {"订单编号": "O1", "下单时间": "2026-10-05 09:00:00", "付款时间": "2026-10-05 10:00:00", "商品金额": "12.00",
             "实付金额": "12.00", "收支": "收入", NOTE: "", PHONE: ""}

# (profile, header, what the file holds there): every way a cell's text gets into a message
CASES = [
    (TICKETS, "工单号", "李雷说：工单 文化路367号"),                  # extract: not the pattern
    (TICKETS, "平台", "Li Lei, 1 Main St, Springfield"),           # map: unexpected value
    (TICKETS, "工单类型", "lilei@example.com"),                     # map
    (TICKETS, "评分", "文化路367号25栋704室"),                      # a number: address
    (TICKETS, "评分", "Lei Li"),                                   # a number: a latin name
    (TICKETS, "评分", "2.5"),                                      # a whole number
    (TICKETS, "评分", "13912345678"),                              # too large: a phone
    (TICKETS, "评分", "99999999999"),                              # too large
    (TICKETS, "创建时间", "138-1234-5678"),                         # a date: a phone
    (TICKETS, "创建时间", "Han Meimei"),                           # a date
    (TICKETS, "解决时间", "02-29"),                                 # no such day this year
    (TICKETS, "是否重开", "韩梅梅"),                                 # yes or no: a name
    (TICKETS, "是否重开", "maybe Han"),                            # yes or no
    (ORDERS, "商品金额", "+86-139-1234-5678"),                      # a number: a phone
    (ORDERS, "商品金额", "O'Brien \\ 12a"),                         # quoted with escapes by repr
    (ORDERS, "付款时间", "2026-03-08 02:30:00"),                    # no such time in the zone
    (ORDERS, "下单时间", "2026-10-05 10:00 QQQ"),                   # an unknown zone
    (ORDERS, "收支", "退款给 韩梅梅"),                                # the sign: unexpected
]


def _write(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _profile(data: dict):
    profile, problems = parse_profile(data, Path(f"{data['name']}.yaml"))
    assert problems == [] and profile is not None
    return profile


def _problems(path: Path, profile, caplog) -> tuple[str, list]:
    with caplog.at_level(logging.DEBUG, logger="recon_lib"), pytest.raises(InputError) as err:
        read_file(path, profile, PERIOD)
    return str(err.value), err.value.problems


@pytest.mark.parametrize("private_column", [NOTE, PHONE])
def test_every_loader_message_hides_a_private_columns_value(tmp_path, caplog, private_column):
    for data, template in ((TICKETS, TICKET_ROW), (ORDERS, ORDER_ROW)):
        cases = [(header, text) for profile, header, text in CASES if profile is data]
        rows = []
        for header, text in cases:  # one row per case: the stray value and its private twin
            rows.append({**template, header: text, private_column: text})
        path = _write(tmp_path / f"{data['name']}.csv", rows)
        text, problems = _problems(path, _profile(data), caplog)
        for number, (header, secret) in enumerate(cases, start=2):
            at = [p for p in problems if p.row == number and p.column == header]
            assert at, f"row {number} ({header}): no problem reported"
            # named '<private>', or, for a phone too large for a number, not quoted at all
            assert all("<private>" in p.message or p.message.startswith("a number is too large")
                       for p in at), at
            assert secret not in text and secret not in caplog.text
            assert repr(secret)[1:-1] not in text


def test_values_that_look_personal_are_never_quoted_even_without_a_private_list(tmp_path,
                                                                                  caplog):
    data = {**TICKETS, "private": None}
    del data["private"]
    rows = [{**TICKET_ROW, "评分": "文化路367号25栋704室"},
            {**TICKET_ROW, "创建时间": "+86 139 1234 5678"},
            {**TICKET_ROW, "是否重开": "韩梅梅"},
            {**TICKET_ROW, "评分": "12a"}]
    text, problems = _problems(_write(tmp_path / "t.csv", rows), _profile(data), caplog)
    assert [p.message.count(TEXT_VALUE) for p in problems] == [1, 1, 1, 0]
    assert "'12a'" in text  # a typo is still quoted: that is how it gets fixed
    for secret in ("文化路367号25栋704室", "139 1234 5678", "韩梅梅"):
        assert secret not in text and secret not in caplog.text


@pytest.mark.parametrize("text, personal", [
    ("文化路367号25栋704室", True), ("张伟", True), ("138-0013-8000", True),
    ("+86 138 0013 8000", True), ("010-12345678", True), ("a@b.example", True),
    ("1 Main St, Springfield", True), ("12a", False), ("1,2", False), ("abc", False),
    ("2026-13-45", False), ("2026年10月32日", False), ("99999999999", False), ("-7l.89", False),
])
def test_what_looks_personal(text, personal):
    assert looks_personal(text) is personal


# -- the built-in profiles of order, return and ticket files ------------------------------------
PERSONAL_PROFILES = ("oms_orders", "tmall_orders", "oms_returns", "oms_refunds",
                     "wms_return_receipts", "service_tickets")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return write_demo(PERIOD, tmp_path_factory.mktemp("demo"), orders=100)[0]


@pytest.fixture(scope="module")
def builtin():
    return load_profiles()


def test_order_return_and_ticket_profiles_declare_their_private_columns(builtin):
    for name in PERSONAL_PROFILES:
        assert builtin[name].private, f"{name} declares no private columns"


DEMO_FILES = {"oms_orders": "oms_orders_2026-10.csv", "oms_returns": "returns_2026-10.csv",
              "oms_refunds": "refunds_2026-10.csv",
              "wms_return_receipts": "return_receipts_2026-10.csv",
              "service_tickets": "service_tickets_2026-10.csv"}


@pytest.mark.parametrize("name", sorted(DEMO_FILES))
def test_a_private_value_in_a_typed_column_of_a_real_layout_is_hidden(demo, builtin, name,
                                                                      tmp_path, caplog):
    """The buyer's note of an export strays into its first number or date column."""
    from recon_lib import schema

    profile = builtin[name]
    with (demo / DEMO_FILES[name]).open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))[:3]
    typed = next(rule.from_[0] for column, rule in profile.columns.items()
                 if schema.table(profile.table).column(column).type != "VARCHAR"
                 and not rule.map and rule.from_[0] in rows[0])
    secret = "韩梅梅 13912345678 文化路367号25栋704室 门口放"
    for row in rows:
        row[profile.private[0]] = secret
    rows[1][typed] = secret
    text, problems = _problems(_write(tmp_path / DEMO_FILES[name], rows), profile, caplog)
    assert [(p.row, p.column) for p in problems] == [(3, typed)]
    assert "<private>" in problems[0].message
    assert secret not in text and "文化路" not in text and secret not in caplog.text


def test_a_stray_comma_in_the_consignee_quotes_no_address(demo, builtin, tmp_path, caplog):
    """The issue's case: 收货人 "张,三" shifts the address into 商品金额."""
    source = demo / DEMO_FILES["oms_orders"]
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    cells = next(csv.reader([lines[1]]))
    name_at = next(csv.reader([lines[0]])).index("收货人")
    address, phone, name = cells[name_at + 4], cells[name_at + 1], cells[name_at]
    cells[name_at:name_at + 1] = [name[:1], name[1:]]
    path = tmp_path / source.name
    path.write_text("\n".join([lines[0], ",".join(cells), *lines[2:5]]) + "\n", encoding="utf-8")
    text, problems = _problems(path, builtin["oms_orders"], caplog)
    assert any(p.column == "商品金额" and TEXT_VALUE in p.message for p in problems), text
    for secret in (address, phone, name):
        assert secret not in text and secret not in caplog.text


def test_the_consignee_columns_an_order_export_loads_are_private_in_messages(demo, builtin,
                                                                             tmp_path, caplog):
    """收货人, 联系电话 and 详细地址 are loaded (masked when shown), so they cannot be in the
    profile's ``private`` list; they are hidden in every message all the same: here the buyer's
    name strays into the status column, whose accepted values a message would quote."""
    source = demo / DEMO_FILES["oms_orders"]
    with source.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))[:3]
    rows[1]["订单状态"] = rows[1]["收货人"]
    name = rows[1]["收货人"]
    text, problems = _problems(_write(tmp_path / source.name, rows), builtin["oms_orders"],
                               caplog)
    assert [(p.row, p.column) for p in problems] == [(3, "订单状态")]
    assert "<private>" in problems[0].message
    assert name not in text and name not in caplog.text
