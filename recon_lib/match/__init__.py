"""The matching engine: one declarative spec for every "two sets that should agree" problem.

Declare a :class:`MatchSpec` (two :class:`Side` s, keys, :class:`Compare` rules with
:class:`Tolerance` s, an optional :class:`DateWindow`, a cardinality) and :func:`run_match` it;
every record of both sides ends in exactly one state: counted in ``match_stats``, and stored in
``match_results`` unless it is ``matched``. The returned :class:`MatchResult` carries the counts.
See ``docs/matching.md``.
"""

from recon_lib.match.engine import run_match
from recon_lib.match.result import MatchResult
from recon_lib.match.spec import (
    EXCEPTION_STATES,
    STATES,
    Compare,
    DateWindow,
    MatchSpec,
    Side,
    SpecError,
    Tolerance,
)

__all__ = [
    "EXCEPTION_STATES",
    "STATES",
    "Compare",
    "DateWindow",
    "MatchResult",
    "MatchSpec",
    "Side",
    "SpecError",
    "Tolerance",
    "run_match",
]
