"""Cash on delivery (货到付款): COD parcels vs the couriers' remittances vs the bank."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from recon_lib.coverage import Check
from recon_lib.match import Compare, DateWindow, MatchSpec, Side, Tolerance, run_match
from recon_lib.recons.base import RunContext, store_findings

RECON = "cod"

CHECKS = (
    Check(RECON, "remitted", "按期回款 Delivered COD parcels remitted in time",
          ("COD_NOT_REMITTED",), ("cod_remittances", "tracking_events"),
          context=("shipments.cod_amount", "cod_terms")),
    Check(RECON, "amounts", "回款金额 Remitted against the COD amount", ("COD_REMITTED_SHORT",),
          ("cod_remittances",), context=("shipments.cod_amount", "tracking_events")),
    Check(RECON, "fees", "代收手续费 COD fees against the contract", ("COD_FEE_OVER",),
          ("cod_remittances",), context=("cod_terms", "tracking_events")),
    Check(RECON, "refused", "拒收件 Remittances for refused parcels", ("COD_RETURNED_REMITTED",),
          ("cod_remittances",), context=("tracking_events", "shipments")),
    Check(RECON, "bank", "回款到账 Remittance batches in the bank",
          ("COD_BATCH_NOT_DEPOSITED", "COD_BATCH_SHORT"), ("bank_transactions",),
          context=("cod_remittances", "cod_terms")),
)
"""What each check needs (see recon_lib/coverage.py): without it, not checked."""


def bank_spec(window_days: int) -> MatchSpec:
    """Batches no deposit quotes, each paired with one deposit of its courier (the deposit's
    counterparty is the courier's payer name) of the same amount within the window."""
    return MatchSpec(
        name="cod_bank",
        left=Side("cod_batches_unquoted", keys=("carrier",),
                  columns=("batch_id", "carrier", "remitted_at", "amount"), id="batch_id",
                  label="remittance batch"),
        right=Side("cod_deposits_unquoted", keys=("carrier",),
                   columns=("txn_id", "carrier", "booked_at", "amount"), id="txn_id",
                   label="deposit"),
        compare=(Compare("amount", tolerance=Tolerance(abs=Decimal("0.01"))),),
        window=DateWindow("remitted_at", "booked_at", after=timedelta(days=window_days + 1)),
        cardinality="one_to_one",
        mode="unkeyed",
        reason_missing_right="COD_BATCH_NOT_DEPOSITED",
    )


def reconcile(ctx: RunContext) -> int:
    """Delivered COD parcels not remitted by their due day, remittances short of the COD amount,
    fees above the contract, remittances for refused parcels, batches not (fully) in the bank."""
    bounds = ctx.period.bounds()
    window = ctx.settings.deposit_window_days
    db = ctx.db
    db.run("cod_parcels", period_end=bounds["period_end"])
    db.run("cod_lines", **bounds)
    db.run("cod_batches", window_days=window, **bounds)
    db.run("cod_deposits", window_days=window, cod_memo=ctx.settings.cod_deposit_memo, **bounds)
    db.run("cod_unquoted_batches")
    db.run("cod_unquoted_deposits")
    run_match(db, bank_spec(window), ctx.run_id)
    return store_findings(ctx, RECON, "cod_discrepancies",
                          amount_tolerance=ctx.settings.amount_abs_tolerance, **bounds)
