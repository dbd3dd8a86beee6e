"""Bounded subset-sum search for unkeyed matching, in plain Python over small candidate sets.

For each record of the "one" side (in date order) the engine pulls its candidates -- records of
the "many" side inside the date window, at most ``max_candidates`` of them -- and looks for a
group of at most ``max_group`` unused candidates whose amounts sum to the one record's amount
within the tolerance. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations

from recon_lib.match.spec import Tolerance


@dataclass(frozen=True)
class Candidate:
    id: str
    value: Decimal


@dataclass(frozen=True)
class GroupSearch:
    """Outcome for one record: the chosen group (ids) or None.

    ``exhaustive`` is False when more candidates remained than ``max_group``, so a larger group
    might exist that was not searched; ``solutions`` counts the groups that fit.
    """

    group: tuple[str, ...] | None
    exhaustive: bool
    solutions: int


def as_decimal(value: object) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def find_group(
    target: Decimal,
    candidates: Sequence[Candidate],
    tolerance: Tolerance,
    max_group: int,
    group_is_right: bool = False,
) -> GroupSearch:
    """Search every group of 1..max_group candidates; return the best that fits.

    A group fits when ``|left - right| <= abs + rel * |right|`` where the group sum is the left
    value (``group_is_right`` swaps them). Best: smallest difference, then fewest records, then
    earliest candidates (their order is the caller's, i.e. date then id).
    """
    best: tuple[tuple, tuple[int, ...]] | None = None
    solutions = 0
    for size in range(1, min(max_group, len(candidates)) + 1):
        for combo in combinations(range(len(candidates)), size):
            total = sum((candidates[i].value for i in combo), Decimal(0))
            left, right = (target, total) if group_is_right else (total, target)
            if tolerance.within(left, right):
                solutions += 1
                rank = (abs(right - left), size, combo)
                if best is None or rank < best[0]:
                    best = (rank, combo)
    group = None if best is None else tuple(candidates[i].id for i in best[1])
    return GroupSearch(group, len(candidates) <= max_group, solutions)


@dataclass(frozen=True)
class Assignment:
    """All groups found: ``pairs`` (one id, many id) and the ``open`` one ids (unresolved)."""

    pairs: tuple[tuple[str, str], ...]
    open: tuple[str, ...]


def assign_groups(
    rows: Iterable[tuple[str, str, object, object]],
    tolerance: Tolerance,
    max_group: int,
    group_is_right: bool = False,
    larger_groups_allowed: bool = True,
) -> Assignment:
    """Greedy over the one records in the order given.

    ``rows`` are ``(one_id, many_id, one_value, many_value)`` ordered by one record then
    candidate. A many record joins at most one group: records used by an earlier one record are
    no longer candidates. A one record with no fitting group is *open* (unresolved) when the
    search was not exhaustive -- more candidates than ``max_group`` and larger groups allowed
    (not so for one_to_one) -- else simply unmatched.
    """
    targets: dict[str, Decimal | None] = {}
    cands: dict[str, list[Candidate]] = {}
    for one_id, many_id, one_value, many_value in rows:
        targets.setdefault(one_id, as_decimal(one_value))
        value = as_decimal(many_value)
        if value is not None:
            cands.setdefault(one_id, []).append(Candidate(many_id, value))
    used: set[str] = set()
    pairs: list[tuple[str, str]] = []
    open_: list[str] = []
    for one_id, target in targets.items():
        available = [c for c in cands.get(one_id, []) if c.id not in used]
        if target is None or not available:
            continue
        found = find_group(target, available, tolerance, max_group, group_is_right)
        if found.group is not None:
            used.update(found.group)
            pairs += [(one_id, many_id) for many_id in found.group]
        elif not found.exhaustive and larger_groups_allowed:
            open_.append(one_id)
    return Assignment(tuple(pairs), tuple(open_))
