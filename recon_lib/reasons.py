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


REASONS: dict[str, Reason] = {}


def _reason(*args: str) -> None:
    r = Reason(*args)
    REASONS[r.code] = r


# -- shipping: paid orders vs shipments ---------------------------------------------------------
_reason("SHIP_UNSHIPPED", "shipping", "high", "Not shipped within SLA",
        "A paid order had no shipment by the end of its shipping SLA, and the SLA ended in the period.",
        "paid amount of the order")
_reason("SHIP_LATE", "shipping", "low", "Shipped late",
        "The first parcel left the warehouse after the shipping SLA.", "")
_reason("SHIP_PARTIAL", "shipping", "medium", "Partially shipped",
        "Fewer units of an ordered SKU were shipped than ordered, by the end of the SLA.",
        "value of the units not shipped")
_reason("SHIP_OVER", "shipping", "high", "Over-shipped",
        "More units of an ordered SKU were shipped than ordered.", "value of the extra units")
_reason("SHIP_WRONG_SKU", "shipping", "high", "Wrong SKU shipped",
        "A parcel carried a SKU that is not on the order.", "value of the wrong units")
_reason("SHIP_AFTER_CANCEL", "shipping", "high", "Shipped after cancellation",
        "A parcel left the warehouse after the order was cancelled.", "value of the goods shipped")
_reason("SHIP_UNKNOWN_ORDER", "shipping", "high", "Shipment without an order",
        "A parcel names an order that is not in the order export.", "")

# -- outbound: shipments vs the inventory system's outbound movements ---------------------------
_reason("OUT_NO_MOVEMENT", "outbound", "medium", "Shipped without stock movement",
        "A shipped SKU has no outbound movement: stock on hand is overstated.",
        "quantity shipped at unit cost")
_reason("OUT_NO_SHIPMENT", "outbound", "high", "Stock out without a shipment",
        "An outbound movement has no parcel behind it: goods left stock unaccounted (possible loss).",
        "quantity moved at unit cost")
_reason("OUT_QTY_MISMATCH", "outbound", "medium", "Outbound quantity differs",
        "The outbound movement's quantity differs from the quantity shipped.",
        "quantity difference at unit cost")
_reason("OUT_SKU_MISMATCH", "outbound", "medium", "Outbound SKU differs",
        "Stock of another SKU was deducted for a shipped SKU.", "quantity shipped at unit cost")
_reason("OUT_TIME_GAP", "outbound", "low", "Movement posted far from ship time",
        "The outbound movement was posted outside the allowed window around the ship time.", "")

RECONCILIATIONS: tuple[str, ...] = tuple(dict.fromkeys(r.recon for r in REASONS.values()))


def reason(code: str) -> Reason:
    try:
        return REASONS[code]
    except KeyError:
        raise KeyError(f"unknown reason code {code!r}") from None


def codes_for(recon: str) -> list[str]:
    return [r.code for r in REASONS.values() if r.recon == recon]
