"""The one list of reason codes. Reconciliations, the demo's answer key and scoring all use it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    code: str
    recon: str
    severity: str  # high: money or goods lost; medium: needs action; low: informational
    title: str
    description: str
    amount_meaning: str = ""
    title_zh: str = ""


REASONS: dict[str, Reason] = {}


def _reason(*args: str, title_zh: str = "") -> None:
    r = Reason(*args, title_zh=title_zh)
    REASONS[r.code] = r


# -- shipping: paid orders vs shipments ---------------------------------------------------------
_reason("SHIP_UNSHIPPED", "shipping", "high", "Not shipped within SLA",
        "A paid order had no shipment by the end of its shipping SLA, and the SLA ended in the period.",
        "paid amount of the order",
        title_zh="超时未发货")
_reason("SHIP_LATE", "shipping", "low", "Shipped late",
        "The first parcel left the warehouse after the shipping SLA.", "",
        title_zh="发货延迟")
_reason("SHIP_PARTIAL", "shipping", "medium", "Partially shipped",
        "Fewer units of an ordered SKU were shipped than ordered, by the end of the SLA.",
        "value of the units not shipped",
        title_zh="部分发货")
_reason("SHIP_OVER", "shipping", "high", "Over-shipped",
        "More units of an ordered SKU were shipped than ordered.", "value of the extra units",
        title_zh="超量发货")
_reason("SHIP_WRONG_SKU", "shipping", "high", "Wrong SKU shipped",
        "A parcel carried a SKU that is not on the order.", "value of the wrong units",
        title_zh="发错货")
_reason("SHIP_AFTER_CANCEL", "shipping", "high", "Shipped after cancellation",
        "A parcel left the warehouse after the order was cancelled.", "value of the goods shipped",
        title_zh="取消后发货")
_reason("SHIP_UNKNOWN_ORDER", "shipping", "high", "Shipment without an order",
        "A parcel names an order that is not in the order export.", "",
        title_zh="无订单发货")

# -- outbound: shipments vs the inventory system's outbound movements ---------------------------
_reason("OUT_NO_MOVEMENT", "outbound", "medium", "Shipped without stock movement",
        "A shipped SKU has no outbound movement: stock on hand is overstated.",
        "quantity shipped at unit cost",
        title_zh="发货未出库")
_reason("OUT_NO_SHIPMENT", "outbound", "high", "Stock out without a shipment",
        "An outbound movement has no parcel behind it: goods left stock unaccounted (possible loss).",
        "quantity moved at unit cost",
        title_zh="出库无发货")
_reason("OUT_QTY_MISMATCH", "outbound", "medium", "Outbound quantity differs",
        "The outbound movement's quantity differs from the quantity shipped.",
        "quantity difference at unit cost",
        title_zh="出库数量不符")
_reason("OUT_SKU_MISMATCH", "outbound", "medium", "Outbound SKU differs",
        "Stock of another SKU was deducted for a shipped SKU.", "quantity shipped at unit cost",
        title_zh="出库商品不符")
_reason("OUT_TIME_GAP", "outbound", "low", "Movement posted far from ship time",
        "The outbound movement was posted outside the allowed window around the ship time.", "",
        title_zh="出库时间偏差")

# -- freight: courier bills vs our shipments and the contracted rate cards ---------------------
_reason("FRT_DUPLICATE", "freight", "high", "Billed twice",
        "The same waybill and fee type appear on the bill more than once.",
        "payable of the extra line",
        title_zh="重复计费")
_reason("FRT_PHANTOM", "freight", "high", "Waybill not ours",
        "A billed waybill is neither one of our shipments nor a return parcel.", "payable",
        title_zh="非我方运单")
_reason("FRT_UNBILLED", "freight", "low", "Shipped, not billed",
        "A parcel that left in the period is not on the courier's bill: accrue the expected fee.",
        "expected payable (an accrual, not a claim)",
        title_zh="已发货未计费")
_reason("FRT_WEIGHT_OVER", "freight", "medium", "Weight overcharged",
        "The billed weight is above our chargeable weight (max of actual and volumetric, "
        "rounded by the contract) beyond the tolerance.", "payable minus our expected payable",
        title_zh="计费重量偏高")
_reason("FRT_RATE_OVER", "freight", "medium", "Rate overcharged",
        "The billed fee is above the rate card's price for the billed weight and destination.",
        "payable minus the contract price",
        title_zh="单价高于合同")
_reason("FRT_ZONE_MISMATCH", "freight", "medium", "Wrong destination zone",
        "The bill's destination differs from where the parcel went.",
        "payable minus our expected payable",
        title_zh="目的地不符")
_reason("FRT_INVALID_SURCHARGE", "freight", "medium", "Surcharge not applicable",
        "A surcharge whose condition does not hold (remote surcharge outside a remote area, "
        "insurance without a declared value, upstairs for a light parcel).", "surcharge payable",
        title_zh="附加费不适用")
_reason("FRT_RETURN_NO_REQUEST", "freight", "medium", "Return freight without a return",
        "Return freight billed for a waybill that no return request names.", "payable",
        title_zh="无退货申请的退货运费")
_reason("FRT_REBATE_SHORT", "freight", "medium", "Rebate short",
        "The volume rebate credited on a month's bill (or the next month's, when the contract "
        "credits it then) is missing or below what the contract's tier gives for the month's "
        "parcels or freight (judged in the period holding the last day of that bill's month).",
        "rebate due minus rebate credited",
        title_zh="返利少返")

# -- returns: requests vs return parcels vs warehouse receipts vs refunds ----------------------
_reason("RET_REFUND_NOT_RECEIVED", "returns", "high", "Refunded, goods not received",
        "The buyer was refunded but the goods had not come back when the return's window closed.",
        "amount refunded", title_zh="已退款未收货")
_reason("RET_RECEIVED_NOT_REFUNDED", "returns", "high", "Received, not refunded",
        "Sellable goods came back but no refund was paid within the return's window.",
        "refund due for what was received", title_zh="已收货未退款")
_reason("RET_QTY_MISMATCH", "returns", "medium", "Returned quantity differs",
        "The warehouse received a different quantity than the buyer asked to return.",
        "value of the difference at the selling price", title_zh="退货数量不符")
_reason("RET_BAD_CONDITION", "returns", "medium", "Wrong or damaged item returned",
        "The returned goods were damaged, not ours, or the parcel was empty: a claim against the "
        "buyer, the platform or the courier.", "value of the goods at the selling price",
        title_zh="退货异常(破损/错货/空包)")
_reason("RET_REFUND_MISMATCH", "returns", "medium", "Refund differs from amount due",
        "The refunds paid differ from the value of the sellable goods received.",
        "absolute difference", title_zh="退款金额不符")
_reason("RET_UNEXPECTED_PARCEL", "returns", "low", "Return parcel without a request",
        "The warehouse received a return parcel that no return request names.", "",
        title_zh="无申请的退货包裹")
_reason("RET_NO_PICKUP", "returns", "low", "Return never picked up",
        "A return request's parcel shows no courier pickup and nothing arrived within the window.",
        "", title_zh="退货未揽收")

# -- payments: orders vs platform settlements vs payouts vs bank deposits -----------------------
_reason("PAY_NOT_SETTLED", "payments", "high", "Not settled within the cycle",
        "A dispatched order had nothing credited by the end of its channel's settlement cycle: a "
        "receivable.", "paid amount of the order", title_zh="超期未结算")
_reason("PAY_GROSS_MISMATCH", "payments", "high", "Settled gross differs",
        "The sale the platform credited differs from what the buyer paid.", "absolute difference",
        title_zh="结算金额不符")
_reason("PAY_FEE_MISMATCH", "payments", "medium", "Fee differs from schedule",
        "A commission or fee line differs from the fee schedule in effect.", "absolute difference",
        title_zh="佣金/费用不符")
_reason("PAY_DUPLICATE_LINE", "payments", "medium", "Duplicate settlement line",
        "The same sale was credited twice.", "amount of the extra line",
        title_zh="重复结算")
_reason("PAY_UNKNOWN_ORDER", "payments", "medium", "Settlement for an unknown order",
        "A settlement line names an order that is not in the order export.", "line amount",
        title_zh="无订单结算")
_reason("PAY_PAYOUT_MISMATCH", "payments", "high", "Payout differs from its lines",
        "A payout's net differs from the sum of the settlement lines it carries.",
        "absolute difference", title_zh="提现与明细不符")
_reason("PAY_NO_DEPOSIT", "payments", "high", "Payout not in the bank",
        "A payout has no bank deposit within the deposit window.", "payout amount",
        title_zh="提现未到账")
_reason("PAY_DEPOSIT_NO_PAYOUT", "payments", "low", "Deposit without a payout",
        "A bank deposit matches no payout by reference, amount or date.", "deposit amount",
        title_zh="到账无对应提现")
_reason("PAY_DEPOSIT_MISMATCH", "payments", "high", "Deposit differs from payout",
        "The deposit differs from its payout beyond the tolerance (beyond the FX tolerance for "
        "foreign currency).", "absolute difference in CNY", title_zh="到账金额不符")
_reason("PAY_MATCH_UNRESOLVED", "payments", "low", "Payout matching unresolved",
        "Too many payouts and deposits could pair by amount and date for the bounded search: "
        "match them by hand.", "", title_zh="到账匹配待人工确认")

# -- intake: each order of the period as it came in, before and independent of shipping --------
_reason("INTAKE_BAD_PHONE", "intake", "medium", "Phone number not valid",
        "The buyer's phone is neither a mainland mobile number (1[3-9] and 9 digits) nor a "
        "landline with its area code: the courier cannot call.", "paid amount of the order",
        title_zh="收货电话无效")
_reason("INTAKE_BAD_ADDRESS", "intake", "medium", "Address without province or city, or "
        "contradicting itself", "The delivery address has no province or no city, or its city "
        "lies in another province.", "paid amount of the order",
        title_zh="收货地址省市缺失或不符")
_reason("INTAKE_BAD_POSTCODE", "intake", "low", "Postcode does not match the province",
        "The delivery postcode is not six digits, or belongs to another province than the "
        "address.", "paid amount of the order", title_zh="邮编与省份不符")
_reason("INTAKE_UNKNOWN_SKU", "intake", "high", "SKU not in the catalogue",
        "An order line names a SKU the product master does not have: it cannot be picked, "
        "costed or settled by category.", "line amount", title_zh="商品编码不存在")
_reason("INTAKE_INACTIVE_SKU", "intake", "medium", "SKU discontinued",
        "An order line names a SKU the product master marks as no longer sold.", "line amount",
        title_zh="商品已停售")
_reason("INTAKE_PRICE_OFF_LIST", "intake", "medium", "Price off the list price",
        "An order line's unit price is further from the SKU's list price than the tolerance "
        "allows, or below the SKU's cost.",
        "difference from the list price x quantity", title_zh="售价偏离标价")
_reason("INTAKE_TOTAL_MISMATCH", "intake", "high", "Order total does not add up",
        "The order's lines plus freight minus discounts differ from what the buyer paid.",
        "absolute difference", title_zh="订单金额不平")
_reason("INTAKE_LIKELY_DUPLICATE", "intake", "medium", "Likely duplicate order",
        "The same buyer ordered the same items to the same address again within minutes, and "
        "neither order was cancelled.", "paid amount of the later order",
        title_zh="疑似重复下单")
_reason("INTAKE_OVER_STOCK", "intake", "medium", "Ordered more than in stock",
        "An order asked for more units of a SKU than all warehouses held when it was placed "
        "(the next stock snapshot less the movements in between).",
        "units short at the selling price", title_zh="下单超出库存")
_reason("INTAKE_PAYMENT_TIME", "intake", "high", "Payment time missing or before the order",
        "An order marked paid has no payment time, or was paid before it was created.",
        "paid amount of the order", title_zh="付款时间缺失或早于下单")

# -- purchase: purchase orders vs goods received vs supplier invoices (三单匹配) ---------------
_reason("PUR_INVOICE_NO_PO", "purchase", "high", "Invoice without a purchase order",
        "A supplier invoice line quotes no purchase order, or one we never placed.",
        "line amount before tax", title_zh="发票无采购订单")
_reason("PUR_PRICE_OVER", "purchase", "high", "Invoiced above the PO price",
        "A supplier invoice line's unit price is above the purchase order's by more than the "
        "price tolerance.", "price difference x quantity invoiced", title_zh="发票单价高于订单价")
_reason("PUR_INVOICE_QTY_OVER", "purchase", "high", "Invoiced more than received",
        "The units invoiced against a PO line, this invoice included, exceed the units the "
        "warehouses received by the period end (a short delivery billed in full).",
        "units over at the invoiced price", title_zh="发票数量超过入库数量")
_reason("PUR_REJECTED_INVOICED", "purchase", "medium", "Rejected goods invoiced",
        "The units invoiced against a PO line exceed the units accepted: goods rejected at the "
        "warehouse were billed.", "units rejected but billed, at the invoiced price",
        title_zh="拒收货物被开票")
_reason("PUR_TAX_MISMATCH", "purchase", "medium", "Tax not quantity x price x rate",
        "A supplier invoice line's VAT differs from quantity x unit price x tax rate.",
        "absolute difference", title_zh="发票税额不符")
_reason("PUR_RECEIVED_NOT_ORDERED", "purchase", "medium", "Received, not ordered",
        "A goods receipt names no purchase order we placed, a SKU the PO does not have, or takes "
        "the units received above the units ordered.", "units not ordered at the PO price",
        title_zh="入库无采购订单")
_reason("PUR_PO_OVERDUE", "purchase", "medium", "PO overdue, not received",
        "A purchase order line was not fully received by its expected date plus the grace days.",
        "units not received at the PO price", title_zh="采购订单逾期未到货")
_reason("PUR_RECEIVED_NOT_INVOICED", "purchase", "low", "Received, not invoiced",
        "Goods accepted against a PO line have not been invoiced within the invoice window: a "
        "liability to accrue (GRNI).", "units not invoiced at the PO price",
        title_zh="已入库未开票")
_reason("PUR_PAID_TWICE", "purchase", "high", "Invoice paid twice",
        "A payment to a supplier takes what was paid against an invoice above the invoice's "
        "total: the invoice was paid again.", "amount paid beyond the invoice total",
        title_zh="发票重复付款")
_reason("PUR_PAID_NOT_INVOICED", "purchase", "medium", "Paid, not invoiced",
        "A payment to a supplier quotes none of its invoices and pays none by its amount: a "
        "prepayment or a payment without an invoice to book it against.", "amount paid",
        title_zh="付款无发票")

# -- claims: lost and damaged parcels vs the couriers' compensation rules (丢件破损理赔) --------
_reason("CLM_NOT_COMPENSATED", "claims", "high", "Loss or damage not compensated",
        "A parcel the courier lost or damaged had no compensation (a credit on its bill or a bank "
        "transfer quoting the waybill) by the end of the period holding its claim deadline.",
        "compensation owed by the contract's rule", title_zh="丢件/破损逾期未赔付")
_reason("CLM_SHORT", "claims", "medium", "Compensation short of the rule",
        "An uninsured lost or damaged parcel was compensated below what the contract's rule gives "
        "(a multiple of the freight or of the goods value, up to the cap), judged at its claim "
        "deadline.", "owed minus received", title_zh="赔付金额低于合同标准")
_reason("CLM_INSURED_SHORT", "claims", "high", "Insured parcel compensated short",
        "An insured (保价) lost or damaged parcel was compensated below what its insurance pays "
        "by the contract (its declared value, or the share of it the rule gives for damage), "
        "judged at its claim deadline.", "owed minus received", title_zh="保价包裹赔付低于保价")


# -- cod: cash on delivery (货到付款) vs the couriers' remittances and the bank ------------------
_reason("COD_NOT_REMITTED", "cod", "high", "COD parcel not remitted",
        "A COD parcel delivered to the buyer had no remittance line by the end of the period "
        "holding its due day (delivery day plus the contract's remittance days).",
        "amount to collect on the parcel", title_zh="代收货款逾期未回款")
_reason("COD_REMITTED_SHORT", "cod", "high", "COD remitted short",
        "A remittance line pays less than the parcel's COD amount minus the fee the courier "
        "deducted (the courier says it collected less, or remitted less than it collected).",
        "COD amount minus fee minus remitted", title_zh="代收货款少回款")
_reason("COD_FEE_OVER", "cod", "medium", "COD fee above contract",
        "The COD service fee deducted on a remittance line is above the contract's rate (and "
        "minimum) on the amount collected.", "fee deducted minus contract fee",
        title_zh="代收手续费超合同")
_reason("COD_BATCH_NOT_DEPOSITED", "cod", "high", "Remittance batch not in the bank",
        "A remittance batch has no bank deposit quoting it, nor one of its courier and amount, "
        "within the deposit window (judged in the period holding the window's end).",
        "batch total", title_zh="回款批次未到账")
_reason("COD_BATCH_SHORT", "cod", "high", "Remittance batch deposited short",
        "The bank deposits quoting a remittance batch add up to less than the batch's total.",
        "batch total minus deposited", title_zh="回款批次到账不足")
_reason("COD_RETURNED_REMITTED", "cod", "medium", "Remittance for a refused parcel",
        "A remittance line pays for a parcel the buyer refused (拒收) and that was not delivered "
        "afterwards: nothing was collected, the courier will take the money back.",
        "amount remitted", title_zh="拒收件仍回款")

RECONCILIATIONS: tuple[str, ...] = tuple(dict.fromkeys(r.recon for r in REASONS.values()))


def reason(code: str) -> Reason:
    try:
        return REASONS[code]
    except KeyError:
        raise KeyError(f"unknown reason code {code!r}") from None


def codes_for(recon: str) -> list[str]:
    return [r.code for r in REASONS.values() if r.recon == recon]
