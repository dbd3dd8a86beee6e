"""The outcome of one run of one spec: counts read back from ``match_stats``, rows on demand."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from recon_lib.match.spec import AGREEING_STATES, EXCEPTION_STATES, STATES, MatchSpec

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from recon_lib.db import Database


@dataclass(frozen=True)
class MatchResult:
    """Counts by state (every state present, zero when none), by reason code, money by reason.

    The stored rows stay in ``match_results`` (every state but ``matched``, unless the run kept
    them); :meth:`rows` fetches them for display. The counts cover every state.
    """

    spec: MatchSpec
    run_id: str
    counts: Mapping[str, int]
    by_reason: Mapping[str, int]
    amount_by_reason: Mapping[str, Decimal]

    @classmethod
    def from_stats(cls, spec: MatchSpec, run_id: str, stats: Iterable[Mapping[str, Any]]):
        """Build from ``match_stats`` rows (state, reason_code, n, amount)."""
        counts = dict.fromkeys(STATES, 0)
        by_reason: dict[str, int] = {}
        amounts: dict[str, Decimal] = {}
        for row in stats:
            n = int(row["n"])
            counts[row["state"]] = counts.get(row["state"], 0) + n
            code = row["reason_code"]
            if code is None or code != code:  # NULL (None or NaN from pandas)
                continue
            by_reason[code] = by_reason.get(code, 0) + n
            amount = row["amount"]
            if amount is not None and amount == amount:
                amounts[code] = amounts.get(code, Decimal(0)) + Decimal(str(amount))
            else:
                amounts.setdefault(code, Decimal(0))
        return cls(
            spec,
            run_id,
            MappingProxyType(counts),
            MappingProxyType(by_reason),
            MappingProxyType(amounts),
        )

    @property
    def total(self) -> int:
        """Result rows (a grouped row counts once)."""
        return sum(self.counts.values())

    @property
    def exceptions(self) -> int:
        return sum(n for state, n in self.counts.items() if state not in AGREEING_STATES)

    @property
    def ok(self) -> bool:
        return self.exceptions == 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary; amounts as strings so no cent is lost."""
        return {
            "spec": self.spec.name,
            "run_id": self.run_id,
            "total": self.total,
            "exceptions": self.exceptions,
            "counts": dict(self.counts),
            "by_reason": dict(self.by_reason),
            "amount_by_reason": {k: str(v) for k, v in self.amount_by_reason.items()},
            "parameters": self.spec.to_dict(),
        }

    def rows(self, db: Database, states: Iterable[str] | None = None) -> pd.DataFrame:
        """This run's stored rows in ``states`` (default: the exceptions), ordered.

        ``matched`` rows are there only when the run used ``keep_matched=True``.
        """
        wanted = list(EXCEPTION_STATES if states is None else states)
        unknown = [s for s in wanted if s not in STATES]
        if unknown:
            raise ValueError(f"states: unknown {unknown} (known: {', '.join(STATES)})")
        return db.query("match_rows", run_id=self.run_id, spec=self.spec.name, states=wanted)
