"""Payment collection (回款): orders vs platform settlements vs payouts vs bank deposits."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from recon_lib.coverage import Check
from recon_lib.match import Compare, DateWindow, MatchSpec, Side, Tolerance, run_match
from recon_lib.recons.base import RunContext, store_findings

RECON = "payments"

CHECKS = (
    Check(RECON, "settled", "结算及时 Orders settled within the cycle", ("PAY_NOT_SETTLED",),
          ("settlement_lines", "fee_schedules"), context=("orders", "shipments"),
          per="channel"),
    Check(RECON, "sales", "结算金额 Settled sales against orders",
          ("PAY_GROSS_MISMATCH", "PAY_DUPLICATE_LINE", "PAY_UNKNOWN_ORDER"),
          ("orders", "settlement_lines")),
    Check(RECON, "fees", "平台费用 Fees against the schedule", ("PAY_FEE_MISMATCH",),
          ("settlement_lines", "products", "fee_schedules"), context=("orders", "order_lines")),
    Check(RECON, "payouts", "提现明细 Payouts against their lines", ("PAY_PAYOUT_MISMATCH",),
          ("payouts",), context=("settlement_lines",)),
    Check(RECON, "bank", "银行到账 Payouts in the bank",
          ("PAY_NO_DEPOSIT", "PAY_DEPOSIT_NO_PAYOUT", "PAY_DEPOSIT_MISMATCH",
           "PAY_MATCH_UNRESOLVED"), ("bank_transactions",), context=("payouts",)),
)
"""What each check needs (see recon_lib/coverage.py): without it, not checked."""
CENT = Tolerance(abs=Decimal("0.01"))


SALE = MatchSpec(
    name="payments_sale",
    left=Side("pay_expected_sale", keys=("order_id",),
              columns=("expected_id", "order_id", "amount"), id="expected_id", label="order"),
    right=Side("pay_booked_sale", keys=("order_id",),
               columns=("settlement_id", "order_id", "amount"), id="settlement_id",
               label="sale line"),
    # no reference rate for a foreign-currency sale: not checkable (payments_uncheckable.sql)
    compare=(Compare("amount", tolerance=CENT, reason="PAY_GROSS_MISMATCH", if_missing="skip"),),
    # an order's sale may come in several lines (items, an item's shipping or tax, a second
    # charge): they are added up. A line listed twice is PAY_DUPLICATE_LINE, found before the
    # match (payments_sale_copies.sql) and kept out of the sum.
    cardinality="one_to_many",
    normalize=(),
    reason_missing_left="PAY_UNKNOWN_ORDER",
)

FEES = MatchSpec(
    name="payments_fees",
    left=Side("pay_expected_fees", keys=("order_id", "line_type"),
              columns=("expected_id", "order_id", "line_type", "amount"), id="expected_id",
              label="fee schedule"),
    right=Side("pay_booked_fees", keys=("order_id", "line_type"),
               columns=("settlement_id", "order_id", "line_type", "amount"),
               id="settlement_id", label="fee line"),
    compare=(Compare("amount", tolerance=CENT, reason="PAY_FEE_MISMATCH", if_missing="skip"),),
    normalize=(),
    reason_missing_left="PAY_FEE_MISMATCH",
    reason_missing_right="PAY_FEE_MISMATCH",
)


def bank_spec(window_days: int) -> MatchSpec:
    """Payouts no reference links, grouped onto one deposit by amount within the window."""
    return MatchSpec(
        name="payments_bank",
        left=Side("pay_payouts_unquoted", keys=(), columns=("payout_id", "paid_at", "amount"),
                  id="payout_id", label="payout"),
        right=Side("pay_deposits_unquoted", keys=(), columns=("txn_id", "booked_at", "amount"),
                   id="txn_id", label="deposit"),
        compare=(Compare("amount", tolerance=CENT),),
        window=DateWindow("paid_at", "booked_at", after=timedelta(days=window_days)),
        cardinality="many_to_one",
        mode="unkeyed",
        reason_missing_right="PAY_NO_DEPOSIT",
        reason_missing_left="PAY_DEPOSIT_NO_PAYOUT",
    )


def reconcile(ctx: RunContext) -> int:
    """Receivables, gross and fee differences, duplicates, payouts, deposits, FX differences."""
    bounds = ctx.period.bounds()
    window = ctx.settings.deposit_window_days
    db = ctx.db
    db.run("payments_due", **bounds)
    db.run("payments_lines", **bounds)
    db.run("payments_sale_copies")
    db.run("payments_expected")
    for view in ("payments_expected_sale", "payments_booked_sale", "payments_expected_fees",
                 "payments_booked_fees"):
        db.run(view)
    db.run("payments_payouts", window_days=window, **bounds)
    db.run("payments_deposits", window_days=window, cod_memo=ctx.settings.cod_deposit_memo,
           **bounds)
    db.run("payments_unquoted_payouts")
    db.run("payments_unquoted_deposits")
    for spec in (SALE, FEES, bank_spec(window)):
        run_match(db, spec, ctx.run_id)
    found = store_findings(ctx, RECON, "payments_discrepancies", window_days=window,
                           amount_tolerance=ctx.settings.amount_abs_tolerance,
                           fx_tolerance=ctx.settings.fx_tolerance, **bounds)
    with db.transaction():
        db.run("payments_fx_clear", period=ctx.period.label)
        db.run("payments_fx_insert", period=ctx.period.label,
               fx_tolerance=ctx.settings.fx_tolerance, period_start=bounds["period_start"])
    return found
