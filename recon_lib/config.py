"""Project paths and user settings, in one place.

Paths are anchored to the project root (the folder holding ``pyproject.toml``), never to the
working directory, so notebooks, the CLI and tests agree wherever they are started from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent

# RECON_HOME lets an installed (non-editable) copy point at a working folder of its own.
HOME = Path(os.environ.get("RECON_HOME", PROJECT_ROOT)).resolve()

DATA_DIR = HOME / "data"
RAW_DIR = DATA_DIR / "raw"
PROCESSED_DIR = DATA_DIR / "processed"
REPORTS_DIR = HOME / "reports"
DEFAULT_DB = PROCESSED_DIR / "recon.duckdb"
LOG_DIR = PROCESSED_DIR / "logs"
"""Where an unexpected error's traceback is written (the command prints one line naming it)."""
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
SQL_DIR = PACKAGE_DIR / "sql"
PROFILES_DIR = PACKAGE_DIR / "profiles"
USER_PROFILES_DIR = HOME / "profiles"
"""The merchant's own profiles, read with the built-in ones; one of the same name wins."""
DEFAULT_ALERTS_FILE = PACKAGE_DIR / "alerts.yml"
"""The built-in alert rules (see docs/alerts.md)."""
ALERTS_FILE = HOME / "alerts.yml"
"""The merchant's own alert rules; used instead of the built-in ones when it exists."""

ACCOUNTS_FILE = HOME / "accounts.yml"
"""The merchant's account mapping for journal entries, read on top of the built-in one
(``recon_lib/data/accounts.yml``; see docs/pnl.md)."""

SETTINGS_FILE = HOME / "recon.yml"
"""The merchant's settings (see recon_lib/settings_file.py); the defaults when it is absent."""

TRUTH_DIRNAME = "_truth"
"""Sub-folder of a period's raw folder that holds the demo's answer key (never loaded)."""

LOCAL_TIMEZONE = "Asia/Shanghai"
"""All canonical timestamps are naive wall-clock times in this zone."""


BILL_CYCLES = ("month", "week", "day")


@dataclass(frozen=True)
class Settings:
    """Business rules a merchant may tune. Validated at construction."""

    ship_sla_hours: int = 48
    """A paid order must leave the warehouse within this many hours of payment."""
    outbound_window_hours: int = 24
    """An outbound stock movement may be posted this long before or after the ship time."""
    freight_weight_tolerance_kg: float = 0.0
    """Billed weight may exceed our chargeable weight by this much before it is a claim."""
    bill_cycle: str = "month"
    """The couriers' billing cycle: ``month``, ``week`` or ``day``. A parcel is "unbilled" only
    once the bill of its cycle is due (see ``bill_grace_days`` and ``bill_lag_days``)."""
    bill_grace_days: int = 1
    """A parcel may be billed in the cycle holding its ship day plus this many days (a parcel
    shipped on a cycle's last evening is picked up, and billed, in the next)."""
    bill_lag_days: int = 0
    """Days after a billing cycle ends before its bill is expected (0: with the cycle's data)."""
    return_window_days: int = 14
    """A return is judged this many days after the request: pickup, receipt and refund are due."""
    deposit_window_days: int = 5
    """A payout must reach the bank within this many days."""
    fx_tolerance: float = 0.005
    """A foreign-currency deposit within this share of its reference-rate value is an FX
    difference, not a discrepancy."""
    amount_abs_tolerance: float = 0.01
    """Money differences up to this (yuan) count as rounding."""
    intake_price_tolerance: float = 0.20
    """An order line's unit price may be this share above or below the SKU's list price (the
    promotions a shop runs) before it is a finding (INTAKE_PRICE_OFF_LIST)."""
    intake_duplicate_minutes: int = 30
    """The same buyer ordering the same items to the same address within this many minutes is a
    likely duplicate order (INTAKE_LIKELY_DUPLICATE)."""
    purchase_price_tolerance: float = 0.02
    """A supplier may invoice a unit price up to this share above the purchase order's
    (PUR_PRICE_OVER beyond it)."""
    purchase_supplier_tolerances: tuple[tuple[str, float], ...] = ()
    """Suppliers whose contract allows another price tolerance than ``purchase_price_tolerance``:
    (supplier, share) pairs; in ``recon.yml`` a mapping (``purchase_supplier_tolerances:
    {佛山华彩陶瓷有限公司: 0.05}``)."""
    purchase_overdue_days: int = 7
    """Days after a PO line's expected date before it is overdue if not fully received."""
    purchase_invoice_days: int = 20
    """Days after goods are received by which the supplier's invoice is expected; accepted goods
    still not invoiced then are PUR_RECEIVED_NOT_INVOICED (they are accrued from receipt)."""
    cod_deposit_memo: str = "代收货款"
    """Words in a bank deposit's memo (摘要) that mark it as a courier's cash-on-delivery
    remittance: the COD reconciliation pairs it with a remittance batch and the payments
    reconciliation leaves it out of the platform payouts (docs/cod.md)."""
    carrier_min_on_time_rate: float = 0.80
    """Carrier choice: a courier is chosen only with an on-time rate (carrier scorecard) at least
    this share (0 to 1; 0: no constraint). See docs/carrier-choice.md."""
    carrier_max_damage_rate: float = 0.01
    """Carrier choice: a courier is chosen only with a damage rate at most this share (0 to 1;
    1: no constraint)."""
    currency: str = "CNY"
    company: str = "森屿家居"
    """Our company's name, as it heads the workbooks we send (the freight claims to couriers)."""
    require: tuple[str, ...] = ()
    """Sources (canonical tables, e.g. ``bank_transactions``) without which a run is an error
    (exit 2) instead of reporting their checks as not checked (see docs/coverage.md)."""

    def __post_init__(self) -> None:
        if self.bill_cycle not in BILL_CYCLES:
            raise ValueError(f"setting bill_cycle must be one of {', '.join(BILL_CYCLES)}, "
                             f"got {self.bill_cycle!r}")
        if not str(self.cod_deposit_memo).strip():
            raise ValueError("setting cod_deposit_memo must not be empty: it would take every "
                             "deposit for a COD remittance")
        for supplier, share in self.purchase_supplier_tolerances:
            if not isinstance(supplier, str) or isinstance(share, bool) \
                    or not isinstance(share, int | float) or not 0 <= share <= 1:
                raise ValueError("setting purchase_supplier_tolerances: expected supplier: share "
                                 f"(0 to 1), got {supplier!r}: {share!r}")
        for name in ("carrier_min_on_time_rate", "carrier_max_damage_rate"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ValueError(f"setting {name} must be a share from 0 to 1, got {value!r}")
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int | float) and value < 0:
                raise ValueError(f"setting {f.name} must not be negative, got {value}")


DEFAULT_SETTINGS = Settings()
