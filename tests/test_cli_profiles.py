"""``recon profiles list`` and ``recon profiles detect FILE...``: which layout reads a file, and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from recon_lib.cli import main
from recon_lib.errors import EXIT_BAD_INPUT, EXIT_OK

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "load"
REALFORMATS = FIXTURES / "realformats"


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(["profiles", *argv])
    return code, capsys.readouterr().out


def test_list_shows_every_builtin_profile_by_table(capsys):
    code, out = run(capsys, "list")
    assert code == EXIT_OK
    lines = out.splitlines()
    assert lines[0].split() == ["profile", "table", "files", "layout"]
    rows = {line.split()[0]: line.split()[1:3] for line in lines[1:]}
    assert rows["alipay_bill"] == ["settlement_lines", "csv"]
    assert rows["citic_credit"] == ["bank_transactions", "xls,xlsx"]
    assert rows["amazon_settlement_v1"] == ["settlement_lines", "txt,csv"]
    assert rows["tmall_orders"] == ["orders", "csv"]
    assert "sf_bill" in rows  # the courier bills are listed too
    assert any(line.startswith("icbc_debit ") and line.endswith("工商银行借记卡明细")
               for line in lines)


def test_detect_says_which_profile_and_why(capsys):
    code, out = run(capsys, "detect", str(REALFORMATS / "jd_bill.csv"),
                    str(REALFORMATS / "amazon_settlement_v1.txt"))
    assert code == EXIT_OK
    assert out.splitlines() == [
        f"{REALFORMATS / 'jd_bill.csv'}: jd_bill (settlement_lines)",
        "  header row 22 holds its whole signature: 交易时间, 商户名称, 交易说明, 金额, 收/付款方式, "
        "交易状态, 收/支, 交易分类, 交易订单号, 商家订单号",
        f"{REALFORMATS / 'amazon_settlement_v1.txt'}: amazon_settlement_v1 (settlement_lines)",
        "  header row 1 holds its whole signature: settlement-id, settlement-start-date, "
        "total-amount, transaction-type, price-type, price-amount, item-related-fee-type, "
        "item-related-fee-amount",
    ]


def test_detect_unknown_file_names_the_closest_profiles_and_exits_2(capsys, tmp_path):
    path = tmp_path / "bank.csv"
    path.write_text("交易日期,摘要,钞/汇,记账金额(收入),记账金额(支出),余额,对方户名\n"
                    "2026-10-05,他行汇入,钞,1.00,,2.00,某人\n", encoding="utf-8")
    code, out = run(capsys, "detect", str(path), str(REALFORMATS / "cmb_debit.csv"))
    assert code == EXIT_BAD_INPUT
    assert out.splitlines() == [
        f"{path}: not recognised: no profile has its whole signature in the first rows",
        "  closest: icbc_debit (bank_transactions): 7 of 8 signature headers found; missing "
        "'记账币种', closest row 1",
        "  closest: icbc_credit (bank_transactions): 5 of 8 signature headers found; missing "
        "'记账日期', '交易场所', '记账币种', closest row 1",
        "  closest: bank_statement (bank_transactions): 2 of 5 signature headers found; missing "
        "'流水号', '收入金额', '支出金额', closest row 1",
        f"{REALFORMATS / 'cmb_debit.csv'}: cmb_debit (bank_transactions)",
        "  header row 1 holds its whole signature: 记账日期, 货币, 交易金额, 联机余额, 交易摘要, 对手信息",
    ]  # the second file is still reported; the exit code says one was not recognised


def test_detect_a_missing_or_unreadable_file_exits_2(capsys, tmp_path):
    broken = tmp_path / "bill.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    code, out = run(capsys, "detect", str(tmp_path / "nowhere.csv"), str(broken))
    assert code == EXIT_BAD_INPUT
    lines = out.splitlines()
    assert lines[0] == f"{tmp_path / 'nowhere.csv'}: not recognised: no such file"
    assert lines[1].startswith(f"{broken}: not recognised: cannot open it as xlsx")


def test_detect_with_a_profiles_folder_of_your_own(capsys, tmp_path):
    mine = tmp_path / "my_profiles"
    mine.mkdir()
    (mine / "ccb.yaml").write_text(
        "name: ccb_debit\ntable: bank_transactions\nfile_types: [csv]\n"
        "signature: [交易日期, 摘要, 钞/汇, 记账金额(收入), 记账金额(支出), 余额, 对方户名]\n"
        "constants: {account: CCB, currency: CNY}\n"
        "columns:\n  txn_id: {from: 交易日期, join: [余额], number_repeats: true}\n"
        "  booked_at: {from: 交易日期}\n  amount: {from: 记账金额(收入), minus: 记账金额(支出)}\n",
        encoding="utf-8")
    path = tmp_path / "bank.csv"
    path.write_text("交易日期,摘要,钞/汇,记账金额(收入),记账金额(支出),余额,对方户名\n", encoding="utf-8")
    code, out = run(capsys, "detect", "--profiles-dir", str(mine), str(path))
    assert code == EXIT_OK
    assert out.splitlines()[0] == f"{path}: ccb_debit (bank_transactions)"


def test_detect_reports_a_tie_and_a_longer_signature_winning(capsys, tmp_path):
    mine = tmp_path / "my_profiles"
    mine.mkdir()
    base = ("table: bank_transactions\nfile_types: [csv]\n"
            "constants: {account: X, currency: CNY}\n"
            "columns:\n  txn_id: {from: 记账日期}\n  booked_at: {from: 记账日期}\n"
            "  amount: {from: 交易金额}\n")
    (mine / "a.yaml").write_text("name: cmb_copy\nsignature: [记账日期, 货币, 交易金额, 联机余额, "
                                 "交易摘要, 对手信息]\n" + base, encoding="utf-8")
    code, out = run(capsys, "detect", "--profiles-dir", str(mine), str(REALFORMATS / "cmb_debit.csv"))
    assert code == EXIT_BAD_INPUT
    assert "not recognised: matches the profiles" in out and "equally long" in out
    (mine / "a.yaml").write_text("name: cmb_short\nsignature: [记账日期, 交易金额]\n" + base,
                                 encoding="utf-8")
    code, out = run(capsys, "detect", "--profiles-dir", str(mine), str(REALFORMATS / "cmb_debit.csv"))
    assert code == EXIT_OK
    assert out.splitlines()[-1] == ("  also matches cmb_short (shorter signature: 2 headers), "
                                    "which loses")


def test_a_bad_profiles_folder_is_bad_input(capsys, tmp_path):
    code = main(["profiles", "list", "--profiles-dir", str(tmp_path / "nowhere")])
    assert code == EXIT_BAD_INPUT
    assert "profiles folder does not exist" in capsys.readouterr().err


def test_profiles_needs_a_subcommand(capsys):
    assert main(["profiles"]) == EXIT_BAD_INPUT
    assert "list" in capsys.readouterr().err


@pytest.mark.realdata
def test_detect_every_real_sample(capsys, realdata):
    files = sorted(str(p) for p in realdata.rglob("*") if p.suffix in (".csv", ".txt", ".xls",
                                                                      ".xlsx"))
    code, out = run(capsys, "detect", *files)
    assert code == EXIT_OK
    recognised = [line for line in out.splitlines() if not line.startswith("  ")]
    assert len(recognised) == len(files) == 27
    assert not any("not recognised" in line or "also matches" in line for line in out.splitlines())


@pytest.fixture
def realdata():
    folder = Path(__file__).resolve().parents[2] / "shared" / "realdata"
    if not folder.is_dir():
        pytest.skip(f"real-format samples not available: {folder} does not exist")
    return folder
