"""The bank walk-through of docs/profiles.md, run as written: the sample statement and the
profile are taken from the page, and what the page says the commands print is checked."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from recon_lib import config
from recon_lib.cli import main
from recon_lib.db import Database
from recon_lib.errors import InputError
from recon_lib.load import detect, load_period, load_profiles, read_file
from recon_lib.periods import parse_period

DOC = Path(__file__).resolve().parents[2] / "docs" / "profiles.md"
PAGE = DOC.read_text(encoding="utf-8")


def block_after(marker: str) -> str:
    """The fenced block right after ``<!-- walkthrough: marker -->``."""
    found = re.search(rf"<!-- walkthrough: {re.escape(marker)} -->\n```[a-z]*\n(.*?)```", PAGE,
                      re.S)
    assert found, f"no walkthrough block {marker!r} in {DOC}"
    return found.group(1)


def output_of(command: str) -> list[str]:
    """The lines the page shows under ``$ <command>``."""
    found = re.search(rf"\$ {re.escape(command)}\n(.*?)```", PAGE, re.S)
    assert found, f"no output shown for {command!r}"
    return found.group(1).splitlines()


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data" / "raw" / "2026-10").mkdir(parents=True)
    (tmp_path / "my_profiles").mkdir()
    Path("data/raw/2026-10/city_bank.csv").write_text(block_after("city_bank.csv"),
                                                      encoding="utf-8")
    Path("my_profiles/citybank_debit.yaml").write_text(block_after("citybank_debit.yaml"),
                                                      encoding="utf-8")
    return tmp_path


def test_detect_before_and_after_the_profile_prints_what_the_page_shows(folder, capsys):
    assert main(["profiles", "detect", "data/raw/2026-10/city_bank.csv"]) == 2
    assert capsys.readouterr().out.splitlines() == output_of(
        ".venv/bin/recon profiles detect data/raw/2026-10/city_bank.csv")
    assert main(["profiles", "detect", "--profiles-dir", "my_profiles",
                 "data/raw/2026-10/city_bank.csv"]) == 0
    assert capsys.readouterr().out.splitlines() == output_of(
        ".venv/bin/recon profiles detect --profiles-dir my_profiles data/raw/2026-10/city_bank.csv")


def test_the_rows_and_the_load_are_those_of_the_page(folder):
    profiles = load_profiles([config.PROFILES_DIR, "my_profiles"])
    path = "data/raw/2026-10/city_bank.csv"
    profile = detect(path, profiles)
    frame = read_file(path, profile, parse_period("2026-10"))
    assert profile.name == "citybank_debit"
    assert frame["account"].tolist() == ["6217****0001"] * 4
    assert frame["txn_id"].tolist() == ["20261003|101522|+12,000.00|13,250.40",
                                        "20261005|094530|-268.00|12,982.40",
                                        "20261005|094530|-268.00|12,714.40",
                                        "20261031|+2.15|12,716.55"]
    assert frame["booked_at"].tolist()[::3] == [datetime(2026, 10, 3, 10, 15, 22),
                                                datetime(2026, 10, 31)]
    assert frame["amount"].tolist() == [Decimal("12000.00"), Decimal("-268.00"),
                                        Decimal("-268.00"), Decimal("2.15")]
    assert frame["reference"].tolist()[:2] == ["转账存入 / 网上银行", "消费 / 财付通"]
    table = [line.split() for line in PAGE.split("here\nwithout the `period` and `source_file` "
                                                 "columns):\n\n```\n")[1].split("```")[0].splitlines()]
    assert [row[-1] for row in table[1:]] == [str(n) for n in frame["source_row"]]

    report = load_period(Database(":memory:"), parse_period("2026-10"), "data/raw",
                         profiles=profiles)
    assert [f"{f.file} {f.profile} {f.table} {f.rows}" for f in report.files] == [
        "city_bank.csv citybank_debit bank_transactions 4"]
    assert "city_bank.csv citybank_debit bank_transactions 4" in PAGE

    text = Path(path).read_text(encoding="utf-8")
    Path(path).write_text(re.sub(r"^20261031,.*\n", "", text, flags=re.M), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_period(Database(":memory:"), parse_period("2026-10"), "data/raw", profiles=profiles)
    assert str(err.value) in PAGE
