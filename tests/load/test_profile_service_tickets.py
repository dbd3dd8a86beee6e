"""The built-in service-ticket profile reads the SKU a ticket or review names, under the header
names the exports use, and loads files without one."""

from __future__ import annotations

import pytest

from recon_lib.load import detect, read_file

HEADER = ["工单号", "订单编号", "平台", "工单类型", "评分", "创建时间", "解决时间", "是否重开"]
ROWS = [["GD1", "O1", "天猫", "质量问题", "", "2026-10-05 10:00:00", "", "否"],
        ["GD2", "O2", "京东", "商品评价", "1", "2026-10-06 10:00:00", "", "否"],
        ["GD3", "O3", "天猫", "物流问题", "", "2026-10-07 10:00:00", "", "否"]]


def write(path, sku_header=None, skus=()):
    header = HEADER if sku_header is None else [*HEADER[:2], sku_header, *HEADER[2:]]
    rows = ROWS if sku_header is None else [[*r[:2], s, *r[2:]] for r, s in zip(ROWS, skus,
                                                                                 strict=True)]
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8-sig")
    return path


@pytest.mark.parametrize("sku_header", ["商家编码", "商品编码", "SKU", "SKU编码"])
def test_sku_is_read_under_its_usual_headers_and_may_be_missing(tmp_path, builtin, period,
                                                                sku_header):
    path = write(tmp_path / "tickets.csv", sku_header, ["SY10001", "SY10002", ""])
    profile = detect(path, builtin)
    assert profile.name == "service_tickets"
    frame = read_file(path, profile, period)
    assert frame["sku"].tolist() == ["SY10001", "SY10002", None]   # empty: the whole order

    without = write(tmp_path / "without.csv")   # exports that name no SKU load as before
    frame = read_file(without, detect(without, builtin), period)
    assert len(frame) == 3 and frame["sku"].isna().all()
