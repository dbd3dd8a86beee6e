"""Purchase three-way match (采购对账): purchase orders, goods received (GRN) and supplier
invoices, per PO and SKU. Partial deliveries and partial invoices add up; only units beyond what
was ordered, received or accepted, prices above the PO's, tax that is not quantity x price x
rate, documents without their counterpart, and supplier payments (from the bank statement) that
pay an invoice twice or quote none are findings (``sql/purchase_*.sql``)."""

from __future__ import annotations

from recon_lib.coverage import Check
from recon_lib.recons.base import RunContext, store_findings

RECON = "purchase"

_ORDERS = ("purchase_orders", "purchase_order_lines")

CHECKS = (
    Check(RECON, "invoiced_ordered", "发票对订单 Invoices against purchase orders",
          ("PUR_INVOICE_NO_PO", "PUR_PRICE_OVER"),
          ("supplier_invoices", "supplier_invoice_lines"), context=_ORDERS),
    Check(RECON, "invoiced_received", "发票对入库 Invoices against goods received",
          ("PUR_INVOICE_QTY_OVER", "PUR_REJECTED_INVOICED"),
          ("supplier_invoices", "supplier_invoice_lines"), context=(*_ORDERS, "goods_receipts")),
    Check(RECON, "tax", "发票税额 Invoice tax", ("PUR_TAX_MISMATCH",),
          ("supplier_invoices", "supplier_invoice_lines.tax")),
    Check(RECON, "received_ordered", "入库对订单 Goods received against purchase orders",
          ("PUR_RECEIVED_NOT_ORDERED",), ("goods_receipts",), context=_ORDERS),
    Check(RECON, "overdue", "到货 Purchase orders received", ("PUR_PO_OVERDUE",),
          ("goods_receipts",), context=_ORDERS),
    Check(RECON, "grni", "已入库未开票 Received, not invoiced", ("PUR_RECEIVED_NOT_INVOICED",),
          ("supplier_invoices", "supplier_invoice_lines"), context=(*_ORDERS, "goods_receipts")),
    Check(RECON, "payments", "供应商付款 Supplier payments",
          ("PUR_PAID_TWICE", "PUR_PAID_NOT_INVOICED"), ("bank_transactions",),
          context=("supplier_invoices", "supplier_invoice_lines")),
)
"""What each check needs (see recon_lib/coverage.py): without it, not checked. Purchase orders
and receipts of earlier periods count (a PO placed last month, received this one)."""


def reconcile(ctx: RunContext) -> int:
    """Invoices against POs and receipts, receipts against POs, overdue POs, GRNI, payments."""
    end = ctx.period.bounds()["period_end"]
    ctx.db.run("purchase_po_lines")
    ctx.db.run("purchase_grn_lines", period_end=end)
    ctx.db.run("purchase_invoice_lines", period_end=end)
    ctx.db.run("purchase_payments", period_end=end)
    s = ctx.settings
    return store_findings(ctx, RECON, "purchase_discrepancies",
                          price_tolerance=s.purchase_price_tolerance,
                          tolerance_suppliers=[k for k, _ in s.purchase_supplier_tolerances],
                          tolerance_shares=[v for _, v in s.purchase_supplier_tolerances],
                          overdue_days=s.purchase_overdue_days,
                          invoice_days=s.purchase_invoice_days,
                          amount_tolerance=s.amount_abs_tolerance, **ctx.period.bounds())
