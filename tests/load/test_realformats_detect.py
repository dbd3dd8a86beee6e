"""Recognition of the real-format layouts, and malformed files refused as a whole.

Every real sample file and every hand-made fixture is recognised by exactly its profile (no
other built-in profile has its whole signature in the file). A period with all the fixtures
loads into DuckDB with every data contract met. A malformed file (truncated, a column renamed,
a number with letters, the wrong encoding) is refused, naming the file, the row and the column
(the line, for an encoding error), and nothing is loaded.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from realformats_helpers import FIXTURES

from recon_lib import schema
from recon_lib.errors import InputError
from recon_lib.load import load_period, read_file, recognise
from recon_lib.periods import parse_period

PERIOD = parse_period("2026-10")

REAL_FILES = {
    "amazon-settlement-parser/sample/settlement-sample.txt": "amazon_settlement_v2",
    "beancount-paypal/tests/testdata/test_e2e/test_e2e_english_paypal_import/input.csv":
        "paypal_activity",
    "beancount-paypal/tests/testdata/test_e2e/test_e2e_german_paypal_import/input.csv":
        "paypal_activity_de",
    "china-beancount-importers/tests/fixtures/wechat/微信支付账单(20200830-20200906).csv":
        "wechat_pay_bill",
    "double-entry-generator/example/abc_debit/example-abc_debit-records.csv": "abc_debit",
    "double-entry-generator/example/alipay/example-alipay-records.csv": "alipay_bill",
    "double-entry-generator/example/boc/credit/example-boc-records.csv": "boc_credit",
    "double-entry-generator/example/boc/debit/example-boc-records.csv": "boc_debit",
    "double-entry-generator/example/bocom_credit/example-bocom_credit-records.csv": "bocom_credit",
    "double-entry-generator/example/bocom_debit/example-bocom_debit-records.csv": "bocom_debit",
    "double-entry-generator/example/cgb_credit/example-cgb_credit-records.csv": "cgb_credit",
    "double-entry-generator/example/citic/credit/example-citic-records.xls": "citic_credit",
    "double-entry-generator/example/cmb/credit/example-cmb-records.csv": "cmb_credit",
    "double-entry-generator/example/cmb/debit/example-cmb-records.csv": "cmb_debit",
    "double-entry-generator/example/hsbchk/debit/example-hsbchk-debit-records.csv": "hsbchk_debit",
    "double-entry-generator/example/icbc/credit/example-icbc-credit-records.csv": "icbc_credit",
    "double-entry-generator/example/icbc/debit-v1/example-icbc-debit-v1-records.csv": "icbc_debit",
    "double-entry-generator/example/icbc/debit-v2/example-icbc-debit-v2-records.csv": "icbc_debit",
    "double-entry-generator/example/jd/example-jd-records.csv": "jd_bill",
    "double-entry-generator/example/mt/example-mt-records.csv": "meituan_bill",
    "double-entry-generator/example/spdb_debit/example-spdb_debit-records.xls": "spdb_debit",
    "double-entry-generator/example/wechat/example-wechat-records.csv": "wechat_pay_bill",
    "double-entry-generator/example/wechat/example-wechat-records.xlsx": "wechat_pay_bill",
    "double-entry-generator/history-d765283/example/alipay/example-alipay-records.csv":
        "alipay_bill",
    "echarts/tmall_order_report1.csv": "tmall_orders",
    "hledger/examples/csv/other/paypal-custom.csv": "paypal_activity",
    "hledger/examples/csv/other/stripe.csv": "stripe_balance",
}

FIXTURE_FILES = {
    "abc_debit.csv": "abc_debit", "amazon_settlement_v1.txt": "amazon_settlement_v1",
    "amazon_settlement_v2.txt": "amazon_settlement_v2", "boc_credit.csv": "boc_credit",
    "boc_debit.csv": "boc_debit", "bocom_credit.csv": "bocom_credit",
    "bocom_debit.csv": "bocom_debit", "cgb_credit.csv": "cgb_credit",
    "cmb_credit.csv": "cmb_credit", "cmb_debit.csv": "cmb_debit",
    "hsbchk_debit.csv": "hsbchk_debit", "icbc_credit.csv": "icbc_credit",
    "icbc_debit_v1.csv": "icbc_debit", "icbc_debit_v2.csv": "icbc_debit",
    "jd_bill.csv": "jd_bill", "meituan_bill.csv": "meituan_bill",
    "paypal_activity.csv": "paypal_activity", "paypal_activity_de.csv": "paypal_activity_de",
    "shopify_payments.csv": "shopify_payments", "stripe_balance.csv": "stripe_balance",
    "tmall_orders.csv": "tmall_orders", "wechat_bill.csv": "wechat_pay_bill",
}


def matches(path: Path, builtin) -> tuple[str | None, list[str]]:
    found = recognise(path, builtin)
    return (found.profile.name if found.profile else None,
            [c.profile.name for c in found.matched])


@pytest.mark.realdata
def test_the_real_samples_are_all_listed(realdata):
    on_disk = {p.relative_to(realdata).as_posix() for p in realdata.rglob("*")
               if p.suffix in (".csv", ".txt", ".xls", ".xlsx")}
    assert on_disk == set(REAL_FILES)


@pytest.mark.realdata
@pytest.mark.parametrize(("file", "name"), sorted(REAL_FILES.items()),
                         ids=[f"{Path(f).parent.name}/{Path(f).name}" for f in sorted(REAL_FILES)])
def test_each_real_file_is_recognised_by_exactly_its_profile(realdata, builtin, file, name):
    assert matches(realdata / file, builtin) == (name, [name])


@pytest.mark.parametrize(("file", "name"), sorted(FIXTURE_FILES.items()))
def test_each_fixture_is_recognised_by_exactly_its_profile(builtin, file, name):
    assert matches(FIXTURES / file, builtin) == (name, [name])


def test_every_fixture_is_listed():
    assert {p.name for p in FIXTURES.iterdir()} == set(FIXTURE_FILES)


def period_folder(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "raw" / PERIOD.label
    folder.mkdir(parents=True)
    for name in names:
        shutil.copy(FIXTURES / name, folder / name)
    return tmp_path / "raw"


def counts(db) -> dict[str, int]:
    return {name: db.scalar(f"SELECT count(*) FROM {name}") for name in schema.TABLES}


def test_a_period_of_every_layout_loads_with_its_contracts_met(tmp_path, db, builtin):
    names = [n for n in FIXTURE_FILES if n not in ("cmb_credit.csv", "icbc_debit_v1.csv")]
    report = load_period(db, PERIOD, period_folder(tmp_path, *names), profiles=builtin)
    assert report.tables == {"bank_transactions": 36, "settlement_lines": 63, "orders": 5}
    assert {f.file: f.profile for f in report.files} == {n: FIXTURE_FILES[n] for n in names}
    rows = db.con.execute("SELECT channel, count(*), sum(amount) FROM settlement_lines "
                          "GROUP BY channel ORDER BY channel").fetchall()
    assert [(c, n, str(s)) for c, n, s in rows] == [
        ("amazon", 23, "1897.29"), ("jd", 4, "-420.40"), ("meituan", 4, "-168.26"),
        ("paypal", 12, "1311.96"), ("shopify", 8, "186.26"), ("stripe", 5, "46.80"),
        ("wechat", 7, "161.20")]
    # Exact decimals: 0.1 + 0.2 style drift cannot happen in DECIMAL(18,2).
    assert db.scalar("SELECT typeof(sum(amount)) FROM bank_transactions") == "DECIMAL(38,2)"
    assert db.scalar("SELECT sum(amount) FROM bank_transactions WHERE account = 'ABC-debit'") \
        == db.scalar("SELECT CAST('8755.12' AS DECIMAL(18,2))")


def mutate(path: Path, old: str, new: str) -> None:
    text = path.read_bytes().decode("utf-8")
    assert old in text, old
    path.write_bytes(text.replace(old, new, 1).encode("utf-8"))


def cut_after(marker: str):
    """The file ends in the middle of a row, right after ``marker``."""
    def cut(path: Path) -> None:
        text = path.read_bytes().decode("utf-8")
        path.write_bytes(text[:text.index(marker) + len(marker)].encode("utf-8"))
    return cut


def rename(old: str, new: str):
    return lambda path: mutate(path, old, new)


# fixture, how it is broken, (row, column) of every problem reported, a word of the message
MALFORMED = [
    ("icbc_debit_v2.csv", "truncated", cut_after('2026-10-09     \t,"网转'),
     [(10, "记账金额(收入)"), (10, "记账币种")], "amount is required but empty"),
    ("jd_bill.csv", "truncated", cut_after('2026-10-10 18:00:00\t,京东平台商户,"收纳盒, 大号"'),
     [(28, "收/支"), (28, "交易订单号"), (28, "金额")], "the sign of amount is read from it"),
    ("amazon_settlement_v2.txt", "truncated", cut_after("Subscription Fee\t-39.99"),
     [(2, "total-amount"), (13, "posted-date-time")], "difference -50.00"),
    ("amazon_settlement_v2.txt", "a column renamed", rename("\torder-id\t", "\torder-no\t"),
     [(1, "order-id")], "missing column 'order-id'"),
    ("icbc_debit_v2.csv", "a column renamed", rename("交易场所", "交易地点"),
     [(7, "交易场所")], "missing column '交易场所'"),
    ("boc_debit.csv", "a number with letters", rename("-71.89", "-7l.89"),
     [(3, "金额")], "expected a number, got '-7l.89'"),
    ("tmall_orders.csv", "a number with letters", rename(",137.0,", ",137.O,"),
     [(4, "总金额")], "expected a number, got '137.O'"),
    ("stripe_balance.csv", "wrong encoding",
     lambda p: p.write_bytes(p.read_bytes().replace(b"Order 1001", "Ordre n°1001".encode("cp1252"))),
     [(2, None)], "not valid utf-8-sig"),
]


@pytest.mark.parametrize(("fixture", "how", "breakage", "where", "message"), MALFORMED,
                         ids=[f"{m[0]}: {m[1]}" for m in MALFORMED])
def test_a_malformed_file_is_refused_and_nothing_is_loaded(tmp_path, db, builtin, fixture, how,
                                                          breakage, where, message):
    raw = period_folder(tmp_path, fixture, "cmb_debit.csv")  # a good file alongside
    breakage(raw / PERIOD.label / fixture)
    with pytest.raises(InputError) as err:
        load_period(db, PERIOD, raw, profiles=builtin)
    found = err.value.problems
    assert {p.file for p in found} == {fixture}
    assert [(p.row, p.column) for p in found] == where
    assert message in found[0].message
    assert "nothing was changed" in str(err.value)
    assert set(counts(db).values()) == {0}


def test_a_signature_header_renamed_names_the_closest_profile(tmp_path, db, builtin):
    raw = period_folder(tmp_path, "shopify_payments.csv")
    mutate(raw / PERIOD.label / "shopify_payments.csv", ",Currency\n", ",Währung\n")
    with pytest.raises(InputError) as err:
        load_period(db, PERIOD, raw, profiles=builtin)
    first, closest = err.value.problems[:2]
    assert first.message.startswith("no profile recognises this file (unknown layout)")
    assert (closest.file, closest.row) == ("shopify_payments.csv", 1)
    assert closest.message == ("closest profile shopify_payments (settlement_lines): 9 of 10 "
                               "signature headers found; missing 'Currency'")
    assert set(counts(db).values()) == {0}


def test_a_gbk_bill_read_by_a_profile_naming_utf8_says_which_line(tmp_path, builtin):
    text = (FIXTURES / "jd_bill.csv").read_text(encoding="utf-8-sig")
    path = tmp_path / "jd.csv"
    path.write_bytes(text.encode("gbk"))
    strict = dataclasses.replace(builtin["jd_bill"], encoding="utf-8-sig")
    with pytest.raises(InputError) as err:
        read_file(path, strict, PERIOD)
    assert [(p.row, p.column) for p in err.value.problems] == [(1, None)]
    assert "is not valid utf-8-sig" in err.value.problems[0].message
