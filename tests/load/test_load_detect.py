"""Recognition: which profile reads a file, and what the user is told when none does."""

from __future__ import annotations

import dataclasses

import pytest

from recon_lib.errors import InputError
from recon_lib.load import candidates, detect, period_files


def test_every_fixture_is_recognised(raw_dir, profiles):
    folder = raw_dir / "2026-10"
    found = {p.name: detect(p, profiles).name for p in period_files(folder)}
    assert found == {
        "bank.csv": "test_bank", "order_lines.txt": "test_order_lines",
        "orders.csv": "test_oms_orders", "sf_bill.xlsx": "test_sf_bill",
        "tickets.csv": "test_tickets", "zto_bill.csv": "test_zto_bill",
    }


def test_period_files_skip_hidden_lock_truth_and_other_files(raw_dir):
    names = [p.name for p in period_files(raw_dir / "2026-10")]
    assert names == ["bank.csv", "order_lines.txt", "orders.csv", "sf_bill.xlsx", "tickets.csv",
                     "zto_bill.csv"]


def test_unknown_layout_names_the_three_closest_profiles(fixtures_dir, profiles):
    path = fixtures_dir / "bad" / "unknown_layout.csv"
    with pytest.raises(InputError) as err:
        detect(path, profiles, label="unknown_layout.csv")
    text = str(err.value)
    assert text.startswith("unknown_layout.csv: no profile recognises this file; closest: "
                           "test_oms_orders, ")
    assert "closest profile test_oms_orders (orders): 2 of 3 signature headers found; " \
        "missing '付款时间'" in text
    closest = [p for p in err.value.problems if p.message.startswith("closest profile")]
    assert len(closest) == 3
    assert closest[0].row == 1  # the row that came closest


def test_scores_are_the_share_of_signature_found(fixtures_dir, profiles):
    scored = candidates(fixtures_dir / "bad" / "unknown_layout.csv", profiles)
    assert scored[0].profile.name == "test_oms_orders"
    assert scored[0].score == pytest.approx(2 / 3)
    assert not scored[0].matched


def test_the_longer_signature_wins(fixtures_dir, profiles):
    orders = profiles["test_oms_orders"]
    short = dataclasses.replace(orders, name="short", signature=("订单编号", "渠道"))
    path = fixtures_dir / "good" / "orders.csv"
    assert detect(path, [short, orders]).name == "test_oms_orders"
    assert detect(path, [orders, short]).name == "test_oms_orders"


def test_a_tie_is_an_error(fixtures_dir, profiles):
    orders = profiles["test_oms_orders"]
    twin = dataclasses.replace(orders, name="twin")
    with pytest.raises(InputError, match="matches several profiles equally: test_oms_orders, twin"):
        detect(fixtures_dir / "good" / "orders.csv", [orders, twin])


def test_file_type_must_be_accepted(tmp_path, fixtures_dir, profiles):
    path = tmp_path / "orders.txt"
    path.write_bytes((fixtures_dir / "good" / "orders.csv").read_bytes())
    with pytest.raises(InputError, match="reads csv files only"):
        detect(path, profiles)


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n  \n"])
def test_an_empty_file_is_called_empty(tmp_path, profiles, content):
    path = tmp_path / "orders.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        detect(path, profiles)
    [problem] = caught.value.problems
    assert "the file is empty" in str(problem) and "closest" not in str(caught.value)


def test_header_beyond_the_search_rows_is_not_found(fixtures_dir, profiles):
    orders = dataclasses.replace(profiles["test_oms_orders"], header_search_rows=3)
    with pytest.raises(InputError, match="no profile recognises"):
        detect(fixtures_dir / "good" / "orders.csv", [orders])


def test_named_sheet_is_the_only_one_looked_at(tmp_path, profiles, writers):
    path = writers.sf(tmp_path / "sf.xlsx")
    wrong_sheet = dataclasses.replace(profiles["test_sf_bill"], sheet="汇总")
    with pytest.raises(InputError, match="no profile recognises"):
        detect(path, [wrong_sheet])
    right_sheet = dataclasses.replace(profiles["test_sf_bill"], sheet="账单明细")
    assert detect(path, [right_sheet]).name == "test_sf_bill"
