"""What every reconciliation shares: its context, and how findings are stored."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from recon_lib.config import Settings
from recon_lib.db import Database, sql_text
from recon_lib.periods import Period

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunContext:
    db: Database
    period: Period
    run_id: str
    settings: Settings


def store_findings(ctx: RunContext, recon: str, query: str, **params) -> int:
    """Replace the period's findings of ``recon`` with the rows of the named query.

    The query returns ``reason_code, key, order_id, amount, explanation, details``; re-running a
    period therefore never duplicates a finding.
    """
    on_other_engine = getattr(ctx.db, "store_findings", None)   # e.g. SparkDatabase
    if on_other_engine is not None:
        return on_other_engine(ctx, recon, query, **params)
    bound = {"run_id": ctx.run_id, "period": ctx.period.label, "recon": recon, **params}
    # the named query is composed as a sub-select; every value stays a bound parameter
    insert = (
        "INSERT INTO discrepancies SELECT $run_id, $period, $recon, reason_code, key, order_id, "
        # a finding is never lost for want of words: a missing value leaves a pointer instead
        "amount, coalesce(explanation, reason_code || ': see details'), details "
        f"FROM ({sql_text(query)}) AS found"
    )
    with ctx.db.transaction():
        ctx.db.run("findings_clear", period=ctx.period.label, recon=recon)
        ctx.db.execute(insert, bound, name=query)
    n = ctx.db.value("findings_count", run_id=ctx.run_id, recon=recon)
    log.info("%s: %d discrepancies", recon, n)
    return n
