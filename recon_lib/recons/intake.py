"""Order intake (订单核对): each order of the period as it came in, before and independent of
shipping: phone, address and postcode, SKUs against the product master, prices against the list
price, the order's total against its lines, likely duplicates, stock at order time and the
payment time.

Place names are read by :mod:`recon_lib.geo` (the one table of provinces, cities and postal
zones), once per distinct text of the period's orders; every rule is SQL
(``sql/intake_*.sql``).
"""

from __future__ import annotations

import pandas as pd

from recon_lib import geo
from recon_lib.coverage import Check
from recon_lib.db import Database
from recon_lib.recons.base import RunContext, store_findings

RECON = "intake"

CHECKS = (
    Check(RECON, "phone", "收货电话 Phone numbers", ("INTAKE_BAD_PHONE",),
          ("orders.customer_phone",)),
    Check(RECON, "address", "收货地址 Province and city", ("INTAKE_BAD_ADDRESS",),
          ("orders.ship_province", "orders.ship_city")),
    Check(RECON, "postcode", "邮编 Postcodes", ("INTAKE_BAD_POSTCODE",),
          ("orders.ship_province", "orders.ship_postcode")),
    Check(RECON, "catalogue", "商品编码 SKUs in the product master", ("INTAKE_UNKNOWN_SKU",),
          ("orders", "order_lines", "products")),
    Check(RECON, "active", "停售商品 Discontinued SKUs", ("INTAKE_INACTIVE_SKU",),
          ("orders", "order_lines", "products.active")),
    Check(RECON, "price", "售价 Prices against the list price", ("INTAKE_PRICE_OFF_LIST",),
          ("orders", "order_lines", "products.list_price")),
    Check(RECON, "total", "订单金额 Order totals", ("INTAKE_TOTAL_MISMATCH",),
          ("orders", "order_lines")),
    Check(RECON, "duplicates", "重复下单 Likely duplicates", ("INTAKE_LIKELY_DUPLICATE",),
          ("orders.ship_address", "order_lines")),
    Check(RECON, "stock", "库存 Stock at order time", ("INTAKE_OVER_STOCK",),
          ("orders", "order_lines", "inventory_snapshots", "inventory_movements")),
    Check(RECON, "payment", "付款时间 Payment times", ("INTAKE_PAYMENT_TIME",),
          ("orders.paid_at",)),
)
"""What each check needs (see recon_lib/coverage.py): without it, not checked. A phone, an
address or a postcode missing on some orders only is counted as not comparable there."""


def places(texts: pd.DataFrame) -> pd.DataFrame:
    """``texts`` (kind: province, city or postcode; text) with the province each names, None
    when it names no known place."""
    read = {"postcode": geo.province_of_postcode}
    province = [read.get(kind, geo.province_of)(text)
                for kind, text in zip(texts["kind"], texts["text"], strict=True)]
    return pd.DataFrame({"kind": texts["kind"], "text": texts["text"], "province": province},
                        dtype=object)


def _stage_places(db: Database) -> None:
    db.con.register("_intake_places", places(db.query("intake_place_texts")))
    try:
        db.run("intake_places")
    finally:
        db.con.unregister("_intake_places")


def reconcile(ctx: RunContext) -> int:
    """Phone, address, postcode, SKUs, prices, totals, duplicates, stock and payment time."""
    bounds = ctx.period.bounds()
    minutes = ctx.settings.intake_duplicate_minutes
    ctx.db.run("intake_orders", duplicate_minutes=minutes, **bounds)
    ctx.db.run("intake_lines")
    _stage_places(ctx.db)
    ctx.db.run("intake_stock")
    return store_findings(ctx, RECON, "intake_discrepancies",
                          price_tolerance=ctx.settings.intake_price_tolerance,
                          duplicate_minutes=minutes,
                          amount_tolerance=ctx.settings.amount_abs_tolerance)
