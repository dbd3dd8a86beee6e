"""The canonical data model: every table, its columns, types, keys and meaning.

This module is the one place that defines table shapes. The loader casts parsed files to these
types, the database creates its tables from them, and ``docs/data-model.md`` is generated from
them (``python -m recon_lib.schema > docs/data-model.md``).

Conventions: money is ``DECIMAL(18,2)`` in the row's ``currency`` (CNY unless stated); weights in
kilograms; lengths in centimetres; timestamps are naive wall-clock times in Asia/Shanghai.
Every loaded table also carries lineage columns (``period``, ``source_file``, ``source_row``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

MONEY = "DECIMAL(18,2)"
KG = "DECIMAL(12,3)"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    required: bool = False
    accepted: tuple[str, ...] = ()
    unit: str | None = None


@dataclass(frozen=True)
class PeriodDate:
    """The date that places a row in a period: a file of a period's folder may hold only rows
    dated in that period, give or take the grace (docs/periods.md, "Records outside the
    period"). Rows whose dates are all empty are left to the required check."""

    columns: tuple[str, ...]
    """A row is the period's when any of these is in it: an order placed or paid in it."""
    days_before: int = 0
    """Grace: rows dated up to this many days before the period's first day are accepted."""
    days_after: int = 0
    """Grace: rows dated up to this many days after the period's last day are accepted."""
    why: str = ""
    """Why the grace, in a few words (shown in messages and the data model)."""


@dataclass(frozen=True)
class Quantity:
    """A count the source cannot give as zero or below: 0 or -2 packed units is a broken export
    (a sign convention, a column shifted), not a business event. ``zero_when`` and
    ``negative_when`` name the rows (column, values) where it is one."""

    column: str
    zero_when: tuple[str, tuple[str, ...]] | None = None
    negative_when: tuple[str, tuple[str, ...]] | None = None


@dataclass(frozen=True)
class LineTotal:
    """``total`` = ``qty`` x ``price``, give or take the rounding of a unit price to the cent
    (half a cent per unit, at least one cent)."""

    total: str
    qty: str
    price: str


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    """Columns that identify a row; empty when only the source line does (bills may repeat)."""
    references: dict[str, tuple[str, str]] = field(default_factory=dict)
    """column -> (table, column) that every non-null value must exist in."""
    master: bool = False
    """Reference data (products, contracts, rates) rather than a period's events: loading a
    period replaces rows by key, whichever period loaded them, so each key is held once."""
    period_date: PeriodDate | None = None
    """The date that places a row in a period (events); None for reference data and for lines
    that go with their order or parcel."""
    quantities: tuple[Quantity, ...] = ()
    """Counts that must be above 0 (with the exceptions each declares)."""
    line_total: LineTotal | None = None
    """An amount that must equal quantity x unit price."""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name} has no column {name!r}")


LINEAGE = (
    Column("period", "VARCHAR", "Period label the row was loaded for, e.g. 2026-10.", True),
    Column("source_file", "VARCHAR", "Raw file the row came from, relative to the period folder.", True),
    Column("source_row", "INTEGER", "1-based line (CSV) or row (Excel) in that file.", True),
)


def _c(name, type_, description, required=False, accepted=(), unit=None) -> Column:
    return Column(name, type_, description, required, tuple(accepted), unit)


CHANNELS = ("tmall", "jd", "douyin", "shop", "alipay", "wechat", "meituan", "amazon", "shopify",
            "paypal", "stripe")
ORDER_STATUSES = ("paid", "cancelled", "completed")
MOVEMENT_TYPES = ("outbound", "inbound", "return", "adjustment")
TRACKING_EVENTS = ("pickup", "in_transit", "delivered", "exception", "lost", "damaged",
                   "refused")
RECEIPT_CONDITIONS = ("sellable", "damaged", "wrong_item", "empty")
SETTLEMENT_TYPES = ("sale", "refund", "commission", "fee", "adjustment", "transfer", "other")
FEE_TYPES = ("freight", "insurance", "remote", "upstairs", "warehousing", "packaging", "handling",
             "return", "rebate", "compensation", "other")
CARRIER_CODES = ("SF", "ZTO", "YTO", "JDL", "YD", "STO", "BEST", "ZTOKY", "EMS")

SETTLEMENT_CYCLE_DAYS = 14
"""A platform's settlement report follows the platform's cycle, not the calendar (Amazon's runs
14 days): filed in the period its last day falls in, it may start this many days before."""
ZONE_EDGE_DAYS = 1
"""Platforms that cut their days in UTC or US time (Stripe, PayPal, Shopify, Amazon) list rows up
to a day past the local period's edges once their times are moved to the merchant's zone."""
STATEMENT_CYCLE_DAYS = 31
"""A credit card statement runs from the card's billing day to the next (26 Sep to 25 Oct), and is
filed in the period it ends in: its lines may start up to a month before that period."""
TRACKING_DAYS_AFTER = 14
"""A tracking export of a period's parcels carries their later events (deliveries, returns)."""

TABLES: dict[str, Table] = {}


def _table(*args, **kwargs) -> Table:
    table = Table(*args, **kwargs)
    TABLES[table.name] = table
    return table


_table(
    "products",
    "Product master: one row per SKU.",
    (
        _c("sku", "VARCHAR", "Stock-keeping unit code.", True),
        _c("name", "VARCHAR", "Product name."),
        _c("category", "VARCHAR", "Merchandise category."),
        _c("unit_cost", MONEY, "Standard cost of one unit.", unit="CNY"),
        _c("list_price", MONEY, "List price of one unit.", unit="CNY"),
        _c("weight_kg", KG, "Packed weight of one unit.", unit="kg"),
        _c("active", "BOOLEAN", "Whether the SKU may be sold (在售); false once it is "
           "discontinued. Empty when the master does not say."),
    ),
    key=("sku",),
    master=True,
)

_table(
    "orders",
    "Customer orders from every channel (one row per order).",
    (
        _c("order_id", "VARCHAR", "Platform order number.", True),
        _c("channel", "VARCHAR", "Sales channel.", True, CHANNELS),
        _c("shop", "VARCHAR", "Shop name on the channel."),
        _c("status", "VARCHAR", "Order status at export time.", True, ORDER_STATUSES),
        _c("created_at", "TIMESTAMP", "When the buyer placed the order.", True),
        _c("paid_at", "TIMESTAMP", "When the buyer paid; null if never paid."),
        _c("cancelled_at", "TIMESTAMP", "When the order was cancelled; null if not."),
        _c("customer_name", "VARCHAR", "Buyer's name (personal data: mask when shown)."),
        _c("customer_phone", "VARCHAR", "Buyer's phone (personal data: mask when shown)."),
        _c("ship_province", "VARCHAR", "Destination province."),
        _c("ship_city", "VARCHAR", "Destination city."),
        _c("ship_address", "VARCHAR", "Street address (personal data: mask when shown)."),
        _c("currency", "VARCHAR", "Currency of the amounts (ISO 4217).", True),
        _c("goods_amount", MONEY, "Sum of line amounts before discounts."),
        _c("shipping_fee", MONEY, "Shipping fee paid by the buyer."),
        _c("discount", MONEY, "Discounts granted (positive number)."),
        _c("paid_amount", MONEY, "Amount the buyer paid.", True),
        _c("refunded_amount", MONEY, "Refunded to the buyer on the order so far, as the channel's "
           "order report says (Tmall 退款金额); empty when the export does not say. The refunds "
           "themselves, with their times, are in refunds."),
        _c("ship_postcode", "VARCHAR", "Destination postcode (邮编), when the export has one."),
    ),
    key=("order_id",),
    period_date=PeriodDate(("created_at", "paid_at"),
                           why="an order is the period's when it was placed or paid in it"),
)

_table(
    "order_lines",
    "Ordered SKUs and quantities (one row per order line).",
    (
        _c("order_id", "VARCHAR", "Order the line belongs to.", True),
        _c("line_no", "INTEGER", "Line number within the order.", True),
        _c("sku", "VARCHAR", "Ordered SKU.", True),
        _c("qty", "INTEGER", "Ordered quantity.", True, unit="units"),
        _c("unit_price", MONEY, "Selling price of one unit.", unit="CNY"),
        _c("line_amount", MONEY, "qty x unit_price.", unit="CNY"),
    ),
    key=("order_id", "line_no"),
    references={"order_id": ("orders", "order_id")},
    quantities=(Quantity("qty"),),
    line_total=LineTotal("line_amount", "qty", "unit_price"),
)

_table(
    "shipments",
    "Parcels our warehouses handed to couriers (one row per parcel / waybill).",
    (
        _c("shipment_id", "VARCHAR", "Warehouse dispatch number.", True),
        _c("order_id", "VARCHAR", "Order the parcel fulfils.", True),
        _c("tracking_no", "VARCHAR", "Courier waybill number (text: keep leading zeros).", True),
        _c("carrier", "VARCHAR", "Courier code (SF, ZTO, YTO, JDL, ...).", True),
        _c("service", "VARCHAR", "Courier product, e.g. standard or express."),
        _c("warehouse", "VARCHAR", "Dispatching warehouse.", True),
        _c("ship_time", "TIMESTAMP", "When the parcel left the warehouse.", True),
        _c("weight_kg", KG, "Weighed weight.", unit="kg"),
        _c("length_cm", "DECIMAL(8,1)", "Parcel length.", unit="cm"),
        _c("width_cm", "DECIMAL(8,1)", "Parcel width.", unit="cm"),
        _c("height_cm", "DECIMAL(8,1)", "Parcel height.", unit="cm"),
        _c("dest_province", "VARCHAR", "Destination province."),
        _c("declared_value", MONEY, "Insured / declared value.", unit="CNY"),
        _c("cod_amount", MONEY, "Cash on delivery (货到付款, 代收货款): what the courier collects "
           "from the buyer on delivery and remits to us (docs/cod.md); empty when the parcel is "
           "not COD.", unit="CNY"),
    ),
    key=("shipment_id",),
    period_date=PeriodDate(("ship_time",)),
)

_table(
    "shipment_lines",
    "SKUs and quantities packed in each parcel.",
    (
        _c("shipment_id", "VARCHAR", "Parcel.", True),
        _c("sku", "VARCHAR", "Packed SKU.", True),
        _c("qty", "INTEGER", "Packed quantity.", True, unit="units"),
    ),
    key=("shipment_id", "sku"),
    references={"shipment_id": ("shipments", "shipment_id")},
    quantities=(Quantity("qty"),),
)

_table(
    "inventory_movements",
    "Stock movements posted by the inventory system (WMS).",
    (
        _c("movement_id", "VARCHAR", "WMS document number.", True),
        _c("warehouse", "VARCHAR", "Warehouse.", True),
        _c("sku", "VARCHAR", "SKU moved.", True),
        _c("movement_type", "VARCHAR", "Kind of movement.", True, MOVEMENT_TYPES),
        _c("qty", "INTEGER", "Units moved: positive, the direction given by movement_type; an "
           "adjustment may be negative (a stock count correcting down).", True),
        _c("posted_at", "TIMESTAMP", "When the movement was posted.", True),
        _c("reference", "VARCHAR", "Business document: shipment_id for outbound, return id..."),
    ),
    key=("movement_id",),
    period_date=PeriodDate(("posted_at",)),
    quantities=(Quantity("qty", negative_when=("movement_type", ("adjustment",))),),
)

_table(
    "inventory_snapshots",
    "Stock on hand per warehouse and SKU at the end of a day.",
    (
        _c("snapshot_date", "DATE", "Day the snapshot was taken (end of day).", True),
        _c("warehouse", "VARCHAR", "Warehouse.", True),
        _c("sku", "VARCHAR", "SKU.", True),
        _c("on_hand", "INTEGER", "Units on hand.", True),
        _c("safety_stock", "INTEGER", "Units below which the SKU must be reordered."),
        _c("unit_cost", MONEY, "Valuation cost of one unit.", unit="CNY"),
    ),
    key=("snapshot_date", "warehouse", "sku"),
    period_date=PeriodDate(("snapshot_date",)),
)

_table(
    "courier_bill_lines",
    "Lines of couriers' bills (a waybill may carry several fee lines).",
    (
        _c("carrier", "VARCHAR", "Courier that billed (SF, ZTO, YTO, JDL, YD = Yunda, STO, "
           "BEST = Best Express, ZTOKY = ZTO Freight, EMS).", True, CARRIER_CODES),
        _c("waybill_no", "VARCHAR", "Waybill number (text).", True),
        _c("bill_date", "DATE", "Date of the charge.", True),
        _c("fee_type", "VARCHAR", "What the line charges for.", True, FEE_TYPES),
        _c("dest_province", "VARCHAR", "Destination the courier billed for."),
        _c("billed_weight_kg", KG, "Chargeable weight the courier used.", unit="kg"),
        _c("amount", MONEY, "Fee before discount.", unit="CNY"),
        _c("discount", MONEY, "Discount (negative or zero).", unit="CNY"),
        _c("payable", MONEY, "Amount payable for the line (negative for a credit: a rebate, "
           "a compensation paid for a lost or damaged parcel).", True, unit="CNY"),
    ),
    period_date=PeriodDate(("bill_date",),
                           why="a bill is dated in its period even if its parcels are earlier"),
)

_table(
    "rate_cards",
    "Contracted courier prices per destination: first weight plus additional weight steps.",
    (
        _c("carrier", "VARCHAR", "Courier.", True, CARRIER_CODES),
        _c("service", "VARCHAR", "Courier product, e.g. standard or express.", True),
        _c("dest_province", "VARCHAR", "Destination province (short name, e.g. 广东).", True),
        _c("first_weight_kg", KG, "Weight covered by the first-weight price (首重).", True,
           unit="kg"),
        _c("first_price", MONEY, "Price of the first weight.", True, unit="CNY"),
        _c("additional_unit_kg", KG, "Size of each additional weight step (续重).", True,
           unit="kg"),
        _c("additional_price", MONEY, "Price of each additional step.", True, unit="CNY"),
        _c("rounding_unit_kg", KG, "Chargeable weight is rounded up to a multiple of this.", True,
           unit="kg"),
        _c("rounding_threshold_kg", KG, "Above this weight, round to rounding_unit_above_kg "
           "instead; null if one rule for all weights.", unit="kg"),
        _c("rounding_unit_above_kg", KG, "Rounding step above the threshold.", unit="kg"),
        _c("volumetric_divisor", "INTEGER", "cm³ per kg: volumetric weight = L x W x H / divisor; "
           "chargeable weight is the larger of actual and volumetric.", True),
        _c("discount_rate", "DECIMAL(6,4)", "Contract discount on freight (0.1 = 10% off).",
           unit="share"),
        _c("remote", "BOOLEAN", "Whether the province is a remote area (偏远) where the remote "
           "surcharge applies."),
        _c("effective_from", "DATE", "First day the price applies.", True),
        _c("effective_to", "DATE", "Last day the price applies; null if open."),
    ),
    key=("carrier", "service", "dest_province", "effective_from"),
    master=True,
)

_table(
    "rate_card_surcharges",
    "Contracted surcharges per courier: when they may be billed and how much.",
    (
        _c("carrier", "VARCHAR", "Courier.", True, CARRIER_CODES),
        _c("surcharge", "VARCHAR", "The fee type the surcharge is billed as.", True,
           ("remote", "insurance", "upstairs")),
        _c("basis", "VARCHAR", "fixed: amount per parcel; share_of_declared: rate x declared "
           "value.", True, ("fixed", "share_of_declared")),
        _c("rate", "DECIMAL(12,4)", "Amount per parcel (fixed) or share of the declared value.",
           True),
        _c("min_amount", MONEY, "Minimum charge.", unit="CNY"),
        _c("applies_above_kg", KG, "Only for parcels heavier than this (upstairs delivery of "
           "bulky goods); null for any weight.", unit="kg"),
        _c("effective_from", "DATE", "First day the surcharge applies.", True),
        _c("effective_to", "DATE", "Last day it applies; null if open."),
    ),
    key=("carrier", "surcharge", "effective_from"),
    master=True,
)

REBATE_TIERS = 5
"""Tiers a rebate scheme may have: ``tier1_from``/``tier1_rate`` ... ``tier5_from``/``tier5_rate``."""

_table(
    "rate_card_rebates",
    "Contracted volume rebates (返利) per courier: the monthly volume each tier needs and the share "
    "of the month's freight it gives back, credited as a rebate line on the courier's bill of that "
    "month or of the next.",
    (
        _c("carrier", "VARCHAR", "Courier.", True, CARRIER_CODES),
        _c("service", "VARCHAR", "Courier product whose parcels count; empty for every product."),
        _c("basis", "VARCHAR", "What the tiers measure per calendar month: parcels (our parcels "
           "on the month's bill) or freight (their billed freight).", True,
           ("parcels", "freight")),
        *[c for n in range(1, REBATE_TIERS + 1) for c in (
            _c(f"tier{n}_from", MONEY, f"Volume from which tier {n} applies (parcels, or yuan of "
               "freight)" + ("." if n == 1 else "; empty if the scheme has fewer tiers."), n == 1),
            _c(f"tier{n}_rate", "DECIMAL(10,6)", f"Share of the month's freight tier {n} gives "
               "back (0.03 = 3%).", n == 1, unit="share"),
        )],
        _c("credit_lag_months", "INTEGER", "Which bill carries a month's rebate: 0 = the month's "
           "own bill (当月), 1 = the next month's bill (次月); empty means 0. The month is judged "
           "in the period holding the last day of that bill's month."),
        _c("effective_from", "DATE", "First day of the first month the scheme applies.", True),
        _c("effective_to", "DATE", "Last day of the last month it applies; null if open."),
    ),
    key=("carrier", "service", "effective_from"),
    master=True,
)

INCIDENTS = ("lost", "damaged")
"""Tracking events a courier compensates under its contract (丢件, 破损)."""

_table(
    "compensation_rules",
    "Contracted compensation (理赔) per courier for a lost or damaged parcel: what the courier "
    "pays, by parcels with a declared value (保价) and without, and by when (docs/claims.md).",
    (
        _c("carrier", "VARCHAR", "Courier.", True, CARRIER_CODES),
        _c("incident", "VARCHAR", "What happened to the parcel (the first lost or damaged "
           "tracking event of its waybill).", True, INCIDENTS),
        _c("insured", "BOOLEAN", "Whether the rule is for insured parcels (保价: a declared value "
           "above 0, or an insurance line billed) or for the others.", True),
        _c("basis", "VARCHAR", "What the compensation is a multiple of: the parcel's billed "
           "freight (its first freight line), the value of its goods (units packed at the "
           "order's unit price) or its declared value.", True,
           ("freight_multiple", "goods_value", "declared_value")),
        _c("multiple", "DECIMAL(10,4)", "Times the basis (3 = three times the freight, 0.5 = "
           "half the goods value).", True),
        _c("cap", MONEY, "Most the courier pays per parcel; empty for no cap. An insured parcel "
           "is never paid above its declared value.", unit="CNY"),
        _c("claim_days", "INTEGER", "Days after the incident's day by which the courier must "
           "have paid (the claim deadline): the incident is judged in the period holding the "
           "deadline's end.", True, unit="days"),
        _c("effective_from", "DATE", "First day (of the incident) the rule applies.", True),
        _c("effective_to", "DATE", "Last day it applies; null if open."),
    ),
    key=("carrier", "incident", "insured", "effective_from"),
    master=True,
)

_table(
    "tracking_events",
    "Courier tracking events per waybill.",
    (
        _c("tracking_no", "VARCHAR", "Waybill number.", True),
        _c("carrier", "VARCHAR", "Courier.", True),
        _c("event_type", "VARCHAR", "Event.", True, TRACKING_EVENTS),
        _c("event_time", "TIMESTAMP", "When it happened.", True),
        _c("promised_date", "DATE", "Delivery date promised to the buyer."),
        _c("location", "VARCHAR", "Where (province or city)."),
    ),
    period_date=PeriodDate(("event_time",), days_after=TRACKING_DAYS_AFTER,
                           why="later events of the period's parcels"),
)

_table(
    "return_requests",
    "Buyers' return requests (one row per returned SKU).",
    (
        _c("return_id", "VARCHAR", "Return request number.", True),
        _c("order_id", "VARCHAR", "Original order.", True),
        _c("sku", "VARCHAR", "SKU to return.", True),
        _c("qty", "INTEGER", "Units to return.", True),
        _c("reason", "VARCHAR", "Buyer's reason."),
        _c("requested_refund", MONEY, "Refund the buyer asked for.", unit="CNY"),
        _c("requested_at", "TIMESTAMP", "When requested.", True),
        _c("return_tracking_no", "VARCHAR", "Waybill of the return parcel."),
    ),
    key=("return_id", "sku"),
    period_date=PeriodDate(("requested_at",)),
    quantities=(Quantity("qty"),),
)

_table(
    "return_receipts",
    "Returned goods received at a warehouse.",
    (
        _c("receipt_id", "VARCHAR", "Receipt document number.", True),
        _c("return_id", "VARCHAR", "Return request, if the warehouse recorded it."),
        _c("tracking_no", "VARCHAR", "Waybill of the incoming parcel."),
        _c("warehouse", "VARCHAR", "Receiving warehouse.", True),
        _c("sku", "VARCHAR", "SKU received.", True),
        _c("qty", "INTEGER", "Units received (0 for an empty parcel).", True),
        _c("condition", "VARCHAR", "Condition on arrival.", True, RECEIPT_CONDITIONS),
        _c("received_at", "TIMESTAMP", "When received.", True),
    ),
    key=("receipt_id", "sku"),
    period_date=PeriodDate(("received_at",)),
    quantities=(Quantity("qty", zero_when=("condition", ("empty",))),),
)

_table(
    "refunds",
    "Refunds paid to buyers.",
    (
        _c("refund_id", "VARCHAR", "Refund number.", True),
        _c("order_id", "VARCHAR", "Order refunded.", True),
        _c("return_id", "VARCHAR", "Return request, if any."),
        _c("amount", MONEY, "Amount refunded (positive).", True, unit="CNY"),
        _c("currency", "VARCHAR", "Currency.", True),
        _c("refunded_at", "TIMESTAMP", "When refunded.", True),
        _c("channel", "VARCHAR", "Channel that paid the refund.", True, CHANNELS),
    ),
    key=("refund_id",),
    period_date=PeriodDate(("refunded_at",)),
)

_table(
    "settlement_lines",
    "Platform settlement lines: what the platform credited or debited per order.",
    (
        _c("channel", "VARCHAR", "Platform.", True, CHANNELS),
        _c("settlement_id", "VARCHAR", "The line's id: the platform's line number, or the "
           "report's cells that name the line where it has none; a line repeated in one report "
           "gets #2, #3...", True),
        _c("order_id", "VARCHAR", "Order the line concerns (null for shop-level fees)."),
        _c("line_type", "VARCHAR", "Kind of line.", True, SETTLEMENT_TYPES),
        _c("amount", MONEY, "Signed amount: credits positive, debits negative.", True),
        _c("currency", "VARCHAR", "Currency.", True),
        _c("settled_at", "TIMESTAMP", "When the platform booked the line.", True),
        _c("payout_id", "VARCHAR", "Payout (withdrawal) that carried the line, if known."),
        _c("line_ref", "VARCHAR", "What tells the line apart from the order's other lines of the "
           "same type, amount and time: the platform's own line id where it has one (结算流水号, "
           "PayPal or Stripe transaction id), else the report's cells that name the item and the "
           "kind of amount (Amazon); unlike settlement_id, a line listed twice keeps it. Empty: "
           "nothing tells them apart. Two lines alike in this and all of those are one line "
           "listed twice (PAY_DUPLICATE_LINE)."),
    ),
    key=("channel", "settlement_id"),
    period_date=PeriodDate(("settled_at",), days_before=SETTLEMENT_CYCLE_DAYS,
                           days_after=ZONE_EDGE_DAYS,
                           why="platform settlement cycles and UTC days"),
)

_table(
    "payouts",
    "Platform payouts (提现): settled money the platform sends to the merchant's bank.",
    (
        _c("channel", "VARCHAR", "Platform.", True, CHANNELS),
        _c("payout_id", "VARCHAR", "Platform's payout number.", True),
        _c("paid_at", "TIMESTAMP", "When the platform sent the money.", True),
        _c("amount", MONEY, "Net amount paid out, in the payout's currency.", True),
        _c("currency", "VARCHAR", "Currency of the payout.", True),
        _c("bank_account", "VARCHAR", "Receiving account (masked)."),
    ),
    key=("channel", "payout_id"),
    period_date=PeriodDate(("paid_at",), days_before=ZONE_EDGE_DAYS,
                           days_after=ZONE_EDGE_DAYS, why="platforms' UTC days"),
)

_table(
    "fee_schedules",
    "Platform fees by channel and category: what each settlement's commission and fees should be.",
    (
        _c("channel", "VARCHAR", "Platform.", True, CHANNELS),
        _c("category", "VARCHAR", "Merchandise category; empty for every category."),
        _c("line_type", "VARCHAR", "Settlement line the fee appears as.", True,
           ("commission", "fee")),
        _c("rate", "DECIMAL(8,6)", "Share of the goods amount (0.05 = 5%).", unit="share"),
        _c("fixed_amount", MONEY, "Fixed amount per order.", unit="CNY"),
        _c("settlement_days", "INTEGER", "Days after dispatch by which the platform settles an "
           "order (its settlement cycle)."),
        _c("effective_from", "DATE", "First day the fee applies.", True),
        _c("effective_to", "DATE", "Last day it applies; null if open."),
    ),
    key=("channel", "category", "line_type", "effective_from"),
    master=True,
)

_table(
    "bank_transactions",
    "Bank statement lines of the merchant's collection accounts.",
    (
        _c("account", "VARCHAR", "Bank account (masked number).", True),
        _c("txn_id", "VARCHAR", "Bank's transaction reference.", True),
        _c("booked_at", "TIMESTAMP", "Booking time.", True),
        _c("amount", MONEY, "Signed amount: deposits positive.", True),
        _c("currency", "VARCHAR", "Currency.", True),
        _c("counterparty", "VARCHAR", "Payer or payee."),
        _c("reference", "VARCHAR", "Free-text reference (often carries the payout id)."),
        _c("balance", MONEY, "Balance after the line."),
    ),
    key=("account", "txn_id"),
    period_date=PeriodDate(("booked_at",), days_before=STATEMENT_CYCLE_DAYS,
                           why="credit card statement cycles"),
)

_table(
    "cod_terms",
    "Cash-on-delivery (货到付款) contract terms per courier: how soon it remits what it collected, "
    "what it charges for collecting, and who pays it into the bank (docs/cod.md).",
    (
        _c("carrier", "VARCHAR", "Courier.", True, CARRIER_CODES),
        _c("remit_days", "INTEGER", "Days after delivery (签收) by which the courier must have "
           "remitted a parcel's collection (回款周期, T+N).", True, unit="days"),
        _c("fee_rate", "DECIMAL(8,6)", "COD service fee (代收手续费) as a share of the amount "
           "collected (0.01 = 1%).", True, unit="share"),
        _c("fee_min", MONEY, "Least fee per parcel; empty for none.", unit="CNY"),
        _c("payer", "VARCHAR", "The courier's name on our bank statement (对方户名) when it "
           "pays a remittance batch in."),
        _c("effective_from", "DATE", "First day (of delivery) the terms apply.", True),
        _c("effective_to", "DATE", "Last day they apply; null if open."),
    ),
    key=("carrier", "effective_from"),
    master=True,
)

_table(
    "cod_remittances",
    "Couriers' COD remittance statements (代收货款回款明细): one row per waybill per remittance, "
    "with the batch (回款批次) whose total the courier pays into the bank.",
    (
        _c("carrier", "VARCHAR", "Courier that remitted.", True, CARRIER_CODES),
        _c("batch_no", "VARCHAR", "Remittance batch (回款批次号): the lines paid in one bank "
           "transfer.", True),
        _c("remit_date", "DATE", "Day the courier remitted the batch.", True),
        _c("tracking_no", "VARCHAR", "Waybill whose collection is remitted (text).", True),
        _c("signed_at", "TIMESTAMP", "When the buyer signed for the parcel (签收时间), as the "
           "courier states it."),
        _c("collected_amount", MONEY, "What the courier says it collected from the buyer.", True,
           unit="CNY"),
        _c("service_fee", MONEY, "COD service fee the courier deducted (代收手续费).", unit="CNY"),
        _c("remitted_amount", MONEY, "What the courier remits for the waybill: collected minus "
           "the fee.", True, unit="CNY"),
    ),
    key=("carrier", "batch_no", "tracking_no"),
    period_date=PeriodDate(("remit_date",)),
)

_table(
    "fx_rates",
    "Exchange rates to CNY per day.",
    (
        _c("rate_date", "DATE", "Day.", True),
        _c("currency", "VARCHAR", "Foreign currency.", True),
        _c("rate_to_cny", "DECIMAL(18,6)", "CNY per one unit of the currency.", True),
    ),
    key=("rate_date", "currency"),
    master=True,
)

_table(
    "service_tickets",
    "Customer feedback and service tickets: complaints, reviews, enquiries.",
    (
        _c("ticket_id", "VARCHAR", "Ticket number.", True),
        _c("order_id", "VARCHAR", "Order concerned, if any."),
        _c("sku", "VARCHAR", "SKU the ticket is about, when the export names one; empty = the "
           "whole order."),
        _c("channel", "VARCHAR", "Channel.", True, CHANNELS),
        _c("category", "VARCHAR", "quality, delivery, service, review, other.", True),
        _c("score", "INTEGER", "Review score 1..5, if a review."),
        _c("opened_at", "TIMESTAMP", "Opened.", True),
        _c("resolved_at", "TIMESTAMP", "Resolved; null while open."),
        _c("reopened", "BOOLEAN", "Whether the ticket was reopened."),
    ),
    key=("ticket_id",),
    period_date=PeriodDate(("opened_at",)),
)


PURCHASE_CURRENCY_NOTE = "Currency of the amounts (ISO 4217)."

_table(
    "purchase_orders",
    "Purchase orders (采购订单) the merchant placed with its suppliers (one row per PO).",
    (
        _c("po_no", "VARCHAR", "Purchase order number.", True),
        _c("supplier", "VARCHAR", "Supplier's name as the ERP holds it.", True),
        _c("order_date", "DATE", "Day the PO was placed.", True),
        _c("expected_date", "DATE", "Day the goods are due at the warehouse."),
        _c("warehouse", "VARCHAR", "Receiving warehouse."),
        _c("currency", "VARCHAR", PURCHASE_CURRENCY_NOTE, True),
    ),
    key=("po_no",),
    period_date=PeriodDate(("order_date",)),
)

_table(
    "purchase_order_lines",
    "What each purchase order asks for, at what price (one row per PO line).",
    (
        _c("po_no", "VARCHAR", "Purchase order.", True),
        _c("line_no", "INTEGER", "Line number within the PO.", True),
        _c("sku", "VARCHAR", "SKU ordered.", True),
        _c("qty", "INTEGER", "Units ordered.", True, unit="units"),
        _c("unit_price", MONEY, "Agreed price of one unit, before tax.", True, unit="CNY"),
        _c("tax_rate", "DECIMAL(6,4)", "VAT rate (0.13 = 13%).", unit="share"),
    ),
    key=("po_no", "line_no"),
    references={"po_no": ("purchase_orders", "po_no")},
    quantities=(Quantity("qty"),),
)

_table(
    "goods_receipts",
    "Goods received notes (GRN, 入库单): what arrived at a warehouse against a PO, and what was "
    "accepted.",
    (
        _c("grn_no", "VARCHAR", "Goods received note number.", True),
        _c("po_no", "VARCHAR", "Purchase order the goods were delivered against; empty when the "
           "warehouse recorded none."),
        _c("supplier", "VARCHAR", "Supplier that delivered."),
        _c("sku", "VARCHAR", "SKU received.", True),
        _c("qty_received", "INTEGER", "Units that arrived.", True, unit="units"),
        _c("qty_accepted", "INTEGER", "Units accepted into stock; empty means all that arrived.",
           unit="units"),
        _c("warehouse", "VARCHAR", "Receiving warehouse.", True),
        _c("received_at", "TIMESTAMP", "When the goods were received.", True),
    ),
    key=("grn_no", "sku"),
    period_date=PeriodDate(("received_at",)),
    quantities=(Quantity("qty_received"),),
)

_table(
    "supplier_invoices",
    "Suppliers' invoices (供应商发票, one row per invoice).",
    (
        _c("supplier", "VARCHAR", "Supplier that billed.", True),
        _c("invoice_no", "VARCHAR", "Supplier's invoice number.", True),
        _c("invoice_date", "DATE", "Invoice date.", True),
        _c("po_no", "VARCHAR", "Purchase order the invoice quotes, when the header names one."),
        _c("vat_invoice_no", "VARCHAR", "增值税发票 number, where one was issued."),
        _c("currency", "VARCHAR", PURCHASE_CURRENCY_NOTE, True),
        _c("total", MONEY, "Invoice total including tax.", unit="CNY"),
    ),
    key=("supplier", "invoice_no"),
    period_date=PeriodDate(("invoice_date",)),
)

_table(
    "supplier_invoice_lines",
    "What each supplier invoice bills (one row per invoice line).",
    (
        _c("supplier", "VARCHAR", "Supplier that billed.", True),
        _c("invoice_no", "VARCHAR", "Invoice.", True),
        _c("line_no", "INTEGER", "Line number within the invoice.", True),
        _c("po_no", "VARCHAR", "Purchase order the line bills; empty: the invoice header's."),
        _c("sku", "VARCHAR", "SKU billed.", True),
        _c("qty", "INTEGER", "Units billed.", True, unit="units"),
        _c("unit_price", MONEY, "Price of one unit, before tax.", True, unit="CNY"),
        _c("amount", MONEY, "qty x unit_price, before tax.", unit="CNY"),
        _c("tax_rate", "DECIMAL(6,4)", "VAT rate billed (0.13 = 13%).", unit="share"),
        _c("tax", MONEY, "VAT billed on the line.", unit="CNY"),
    ),
    key=("supplier", "invoice_no", "line_no"),
    references={"invoice_no": ("supplier_invoices", "invoice_no")},
    quantities=(Quantity("qty"),),
    line_total=LineTotal("amount", "qty", "unit_price"),
)


def table(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"no canonical table {name!r}; known: {', '.join(TABLES)}") from None


def all_columns(tbl: Table) -> tuple[Column, ...]:
    """The table's business columns followed by the lineage columns."""
    return tbl.columns + LINEAGE


def create_table_sql(tbl: Table) -> str:
    """DDL for a canonical table. Built from the schema, so identifiers only, never values."""
    cols = ",\n  ".join(f"{c.name} {c.type}" for c in all_columns(tbl))
    return f"CREATE TABLE IF NOT EXISTS {tbl.name} (\n  {cols}\n)"


def add_column_sql(tbl: Table, col: Column) -> str:
    """ALTER TABLE adding a column that a database made before the column existed lacks (its rows
    get NULL). Built from the schema, so identifiers and types only, never values."""
    return f"ALTER TABLE {tbl.name} ADD COLUMN {col.name} {col.type}"


def clear_period_sql(tbl: Table) -> str:
    """DELETE one period's rows of a table (``$period`` bound). Identifiers from the schema."""
    return f"DELETE FROM {tbl.name} WHERE period = $period"


def loaded_periods_sql(tbl: Table) -> str:
    """SELECT the period labels a table holds rows of. Identifiers from the schema."""
    return f"SELECT DISTINCT period FROM {tbl.name}"


def delete_by_key_sql(tbl: Table, source: str) -> str:
    """DELETE the rows of a master table whose key appears in ``source`` (a registered relation).

    Identifiers only, from the schema; ``IS NOT DISTINCT FROM`` so a null key part (a fee for
    every category) matches itself.
    """
    if not tbl.key:
        raise ValueError(f"table {tbl.name} has no key to replace rows by")
    cond = " AND ".join(f"t.{k} IS NOT DISTINCT FROM s.{k}" for k in tbl.key)
    return f"DELETE FROM {tbl.name} AS t USING {source} AS s WHERE {cond}"


def count_rows_sql(tbl: Table, columns: Iterable[str] = (), *, by_labels: bool = True) -> str:
    """SELECT count(*) and count(<column>) for each of ``columns``, of the rows whose period
    label is in ``$labels`` (every row when ``by_labels`` is False). Identifiers from the schema."""
    for c in columns:
        tbl.column(c)  # a column the table does not have is a bug, not input
    counted = ", ".join(["count(*)"] + [f'count("{c}")' for c in columns])
    where = " WHERE period IN (SELECT unnest($labels))" if by_labels else ""
    return f"SELECT {counted} FROM {tbl.name}{where}"


def distinct_values_sql(tbl: Table, column: str) -> str:
    """SELECT the distinct non-null values of one column over the rows of ``$labels``."""
    tbl.column(column)
    return (f'SELECT DISTINCT "{column}" FROM {tbl.name} '
            f'WHERE period IN (SELECT unnest($labels)) AND "{column}" IS NOT NULL')


def stored_by_key_sql(tbl: Table, source: str) -> str:
    """SELECT the period labels and count of the stored rows whose key appears in ``source``
    (see :func:`delete_by_key_sql`). Identifiers only, from the schema."""
    if not tbl.key:
        raise ValueError(f"table {tbl.name} has no key to find rows by")
    cond = " AND ".join(f"t.{k} IS NOT DISTINCT FROM s.{k}" for k in tbl.key)
    return (f"SELECT t.period, count(*) FROM {tbl.name} AS t WHERE EXISTS "
            f"(SELECT 1 FROM {source} AS s WHERE {cond}) GROUP BY t.period ORDER BY 1")


def _contract_lines(tbl: Table) -> list[str]:
    """The period date, quantities and line totals of a table, as Markdown paragraphs."""
    out = []
    if tbl.period_date is not None:
        when = tbl.period_date
        text = "Period date: " + " or ".join(f"`{c}`" for c in when.columns) + \
            ": a file of a period's folder holds rows dated in it"
        grace = [f"{n} day{'s' if n > 1 else ''} {side}"
                 for n, side in ((when.days_before, "before"), (when.days_after, "after")) if n]
        if grace:
            text += ", or up to " + " and ".join(grace) + " it"
        text += f" ({when.why})" if when.why else ""
        text += "; see [records outside the period](periods.md#records-outside-the-period)."
        out += [text, ""]
    for q in tbl.quantities:
        text = f"`{q.column}` is above 0"
        for exempt, what in ((q.zero_when, "0"), (q.negative_when, "below 0")):
            if exempt:
                text += f"; {what} only when `{exempt[0]}` is " + ", ".join(
                    f"`{v}`" for v in exempt[1])
        out += [text + ".", ""]
    if tbl.line_total is not None:
        lt = tbl.line_total
        out += [f"`{lt.total}` = `{lt.qty}` x `{lt.price}`, to half a cent per unit (at least a "
                "cent).", ""]
    return out


def markdown() -> str:
    """The data model as Markdown, for ``docs/data-model.md``."""
    out = [
        "# Data model",
        "",
        "Generated from `recon_lib/schema.py` by `python -m recon_lib.schema`; do not edit by hand.",
        "",
        __doc__.split("\n\n", 2)[2].strip(),
        "",
    ]
    for tbl in TABLES.values():
        out += [f"## `{tbl.name}`", "", tbl.description, ""]
        if tbl.key:
            out += [f"Key: `{', '.join(tbl.key)}`", ""]
        if tbl.master:
            out += ["Reference data: a load replaces rows by key, whichever period loaded "
                    "them.", ""]
        for col, (ref_table, ref_col) in tbl.references.items():
            out += [f"`{col}` references `{ref_table}.{ref_col}`.", ""]
        out += _contract_lines(tbl)
        out += ["| column | type | required | meaning |", "|---|---|---|---|"]
        for c in tbl.columns:
            meaning = c.description
            if c.accepted:
                meaning += " One of: " + ", ".join(f"`{a}`" for a in c.accepted) + "."
            if c.unit:
                meaning += f" Unit: {c.unit}."
            out.append(f"| `{c.name}` | {c.type} | {'yes' if c.required else ''} | {meaning} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(markdown())
