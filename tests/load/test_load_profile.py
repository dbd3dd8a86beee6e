"""Profiles: YAML keys, defaults and validation (every problem named by file and key)."""

from __future__ import annotations

from pathlib import Path

import pytest

from recon_lib import config
from recon_lib.errors import InputError
from recon_lib.load import ColumnRule, Profile, load_profiles, parse_profile, read_profile

MINIMAL = {
    "name": "mini",
    "table": "fx_rates",
    "file_types": ["csv"],
    "signature": ["日期", "币种"],
    "columns": {
        "rate_date": {"from": "日期"},
        "currency": {"from": "币种"},
        "rate_to_cny": {"from": ["汇率", "中间价"]},
    },
}


def parse(data: dict) -> tuple[Profile | None, list[str]]:
    profile, problems = parse_profile(data, Path("p.yaml"))
    return profile, [p.message for p in problems]


def test_fixture_profiles_load_with_their_keys(profiles, profiles_dir):
    orders = profiles["test_oms_orders"]
    assert orders.table == "orders"
    assert orders.signature == ("订单编号", "渠道", "付款时间")
    assert orders.header_search_rows == 10
    assert orders.constants == {"currency": "CNY"}
    assert orders.drop_rows == {"订单编号": "^(合计|总计)"}
    assert orders.columns["channel"].map["天猫"] == "tmall"
    assert orders.columns["paid_at"].formats == ("%Y/%m/%d %H:%M",)
    assert orders.columns["goods_amount"].from_ == ("商品金额", "货款")
    assert orders.columns["discount"].negate is True
    assert orders.columns["cancelled_at"].optional is True
    assert orders.columns["shipping_fee"].default == "0"
    assert profiles["test_order_lines"].delimiter == "\t"
    assert profiles["test_order_lines"].encoding == "utf-8"
    assert orders.path == profiles_dir / "test_oms_orders.yaml"


def test_defaults_of_optional_keys():
    profile, problems = parse(MINIMAL)
    assert problems == []
    assert (profile.encoding, profile.delimiter, profile.sheet) == ("auto", ",", None)
    assert profile.header_search_rows == 40
    assert profile.stop_at_blank_row is True
    assert profile.drop_rows == {} and profile.constants == {}
    assert profile.columns["rate_date"] == ColumnRule(("日期",))


def test_profile_is_frozen():
    profile, _ = parse(MINIMAL)
    with pytest.raises(AttributeError):
        profile.name = "other"


@pytest.mark.parametrize(("change", "expected"), [
    ({"colour": "red"}, "colour: unknown key"),
    ({"table": "ordres"}, "table: unknown table 'ordres'"),
    ({"file_types": ["pdf"]}, "file_types: unknown file type 'pdf'"),
    ({"encoding": "latin-1"}, "encoding: unknown encoding 'latin-1'"),
    ({"delimiter": ";;"}, "delimiter: expected one character"),
    ({"sheet": "Sheet1"}, "sheet: only for xlsx/xls files"),
    ({"header_search_rows": 0}, "header_search_rows: expected a whole number"),
    ({"stop_at_blank_row": "yes"}, "stop_at_blank_row: expected true or false"),
    ({"drop_rows": {"日期": "(unclosed"}}, "drop_rows.日期: bad regular expression"),
    ({"constants": {"colour": "red"}}, "constants.colour: table fx_rates has no column 'colour'"),
    ({"constants": {"rate_to_cny": "abc"}}, "constants.rate_to_cny: expected a number"),
    ({"signature": ["日期", " 日期 "]}, "signature: lists the same header twice"),
])
def test_bad_values_are_named_by_key(change, expected):
    profile, problems = parse({**MINIMAL, **change})
    assert profile is None
    assert any(m.startswith(expected) for m in problems), problems


@pytest.mark.parametrize(("rule", "expected"), [
    ({"from": "x", "colour": 1}, "columns.rate_to_cny.colour: unknown key"),
    ({"map": {"a": "b"}}, "columns.rate_to_cny: missing key 'from'"),
    ({"from": "x", "formats": ["%Y"]}, "columns.rate_to_cny.formats: only for DATE and TIMESTAMP"),
    ({"from": "x", "default": "n/a"}, "columns.rate_to_cny.default: expected a number"),
    ({"from": "x", "map_default": "1"}, "columns.rate_to_cny.map_default: only allowed together"),
    ({"from": []}, "columns.rate_to_cny.from: must list at least one value"),
    ("汇率", "columns.rate_to_cny: expected a mapping"),
])
def test_bad_column_rules(rule, expected):
    profile, problems = parse({**MINIMAL, "columns": {**MINIMAL["columns"], "rate_to_cny": rule}})
    assert profile is None
    assert any(m.startswith(expected) for m in problems), problems


def test_column_not_in_schema_and_missing_required_column():
    columns = {"rate_date": {"from": "日期"}, "currency": {"from": "币种"},
               "colour": {"from": "颜色"}}
    _, problems = parse({**MINIMAL, "columns": columns})
    assert any(m.startswith("columns.colour: table fx_rates has no column") for m in problems)
    assert any("required column rate_to_cny" in m for m in problems)


def test_map_values_must_be_accepted_by_the_schema():
    data = {**MINIMAL, "table": "refunds", "signature": ["退款单号"], "columns": {
        "refund_id": {"from": "退款单号"}, "order_id": {"from": "订单号"},
        "amount": {"from": "金额"}, "refunded_at": {"from": "时间"},
        "channel": {"from": "平台", "map": {"天猫": "tmall", "拼多多": "pdd"}}},
        "constants": {"currency": "CNY"}}
    _, problems = parse(data)
    assert problems == ["columns.channel.map.拼多多: 'pdd' is not accepted for channel; "
                        "one of: tmall, jd, douyin, shop, alipay, wechat, meituan, amazon, "
                        "shopify, paypal, stripe"]


def test_every_problem_of_every_file_at_once(tmp_path):
    (tmp_path / "a.yaml").write_text("name: a\ntable: nope\nfile_types: [csv]\n"
                                     "signature: [x]\ncolumns: {}\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("name: b\ntable: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_profiles(tmp_path)
    text = str(err.value)
    assert "a.yaml: table: unknown table 'nope'" in text
    assert "a.yaml: columns: expected a mapping" in text
    assert "b.yaml, row 3: not valid YAML" in text


def test_yaml_words_stay_text(tmp_path):
    """YAML 1.1 would read Y/N/yes/no/on as booleans and 0755 as octal: headers must survive."""
    path = tmp_path / "t.yaml"
    path.write_text(
        "name: t\ntable: service_tickets\nfile_types: [csv]\nsignature: [NO, ON]\n"
        "columns:\n"
        "  ticket_id: {from: NO}\n  channel: {from: ON, map: {0755: tmall, Y: jd}}\n"
        "  category: {from: C}\n  opened_at: {from: D}\n"
        "  reopened: {from: R, map: {Y: true, N: false}}\n", encoding="utf-8")
    profile = read_profile(path)
    assert profile.signature == ("NO", "ON")
    assert profile.columns["channel"].map == {"0755": "tmall", "Y": "jd"}
    assert profile.columns["reopened"].map == {"Y": "true", "N": "false"}


def test_duplicate_yaml_keys_are_rejected(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text("name: d\nname: e\n", encoding="utf-8")
    with pytest.raises(InputError, match="duplicate key 'name'"):
        read_profile(path)


def test_names_are_unique_across_folders(tmp_path, profiles_dir):
    copy = (profiles_dir / "test_bank.yaml").read_text(encoding="utf-8")
    (tmp_path / "copy.yaml").write_text(copy, encoding="utf-8")
    with pytest.raises(InputError, match="'test_bank' is already used by"):
        load_profiles([profiles_dir, tmp_path])


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_profiles(tmp_path / "nowhere")


def test_default_folder_is_the_builtin_one(monkeypatch, tmp_path, profiles_dir):
    (tmp_path / "only.yaml").write_text((profiles_dir / "test_bank.yaml").read_text("utf-8"),
                                        encoding="utf-8")
    monkeypatch.setattr(config, "PROFILES_DIR", tmp_path)
    assert list(load_profiles()) == ["test_bank"]
