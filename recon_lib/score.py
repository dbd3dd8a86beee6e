"""Score a run against the demo's answer key: precision and recall per reason code."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from recon_lib import config
from recon_lib.db import Database
from recon_lib.errors import InputError
from recon_lib.reasons import REASONS


@dataclass(frozen=True)
class CodeScore:
    reason_code: str
    recon: str
    expected: int
    found: int
    true_positives: int
    false_positives: int
    false_negatives: int
    amount_mismatches: int
    """True positives whose amount differs from the answer key's by more than a cent."""

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.expected if self.expected else 1.0

    def to_dict(self) -> dict:
        return asdict(self) | {"precision": self.precision, "recall": self.recall}


def truth_path(period: str, data_dir: Path | None = None) -> Path:
    return Path(data_dir or config.RAW_DIR) / period / config.TRUTH_DIRNAME / "anomalies.csv"


def read_truth(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InputError(f"{path}: no answer key; `recon score` works on demo periods written by "
                         "`recon demo`")
    return pd.read_csv(path, dtype={"key": str, "order_id": str})


def score(db: Database, period: str, truth: pd.DataFrame) -> list[CodeScore]:
    """Compare the period's findings with the answer key, by (reason code, key)."""
    found = db.query("discrepancy_list", period=period)[["reason_code", "key", "amount"]]
    found["amount"] = found["amount"].astype(float)
    merged = truth[["reason_code", "key", "amount"]].merge(
        found, on=["reason_code", "key"], how="outer", suffixes=("_expected", "_found"),
        indicator=True)
    codes = list(REASONS) + sorted(set(merged["reason_code"]) - set(REASONS))
    out = []
    for code in codes:
        rows = merged[merged["reason_code"] == code]
        both = rows[rows["_merge"] == "both"]
        diff = (both["amount_expected"].fillna(0) - both["amount_found"].fillna(0)).abs()
        out.append(CodeScore(
            reason_code=code,
            recon=REASONS[code].recon if code in REASONS else "?",
            expected=int((rows["_merge"] != "right_only").sum()),
            found=int((rows["_merge"] != "left_only").sum()),
            true_positives=len(both),
            false_positives=int((rows["_merge"] == "right_only").sum()),
            false_negatives=int((rows["_merge"] == "left_only").sum()),
            amount_mismatches=int((diff > 0.011).sum()),
        ))
    return out


def format_table(scores: list[CodeScore]) -> str:
    head = f"{'reason code':<22}{'expected':>9}{'found':>7}{'TP':>6}{'FP':>6}{'FN':>6}" \
           f"{'precision':>11}{'recall':>8}{'amount≠':>9}"
    lines = [head, "-" * len(head)]
    for s in scores:
        lines.append(f"{s.reason_code:<22}{s.expected:>9}{s.found:>7}{s.true_positives:>6}"
                     f"{s.false_positives:>6}{s.false_negatives:>6}{s.precision:>11.3f}"
                     f"{s.recall:>8.3f}{s.amount_mismatches:>9}")
    return "\n".join(lines)
