"""The exception hierarchy, and the exit codes the CLI maps them to."""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_DISCREPANCIES = 1
EXIT_BAD_INPUT = 2
EXIT_ALERTS = 3
"""``recon run --fail-on SEVERITY``: an alert of that severity or above was breached (the run
itself went through; without --fail-on the run exits 0 or 1 as usual)."""
SEVERITIES = ("info", "warning", "critical")
"""Alert severities, least to most severe; ``--fail-on warning`` fails on warning and critical."""


class ReconError(Exception):
    """Base of every error recon_lib raises on purpose."""

    exit_code = EXIT_BAD_INPUT


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what was expected."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class InputError(ReconError):
    """The user's input is wrong. Carries every problem found, not just the first."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        self.problems = list(problems or [])
        super().__init__(message)

    def __str__(self) -> str:
        text = self.args[0]
        if self.problems:
            shown = self.problems[:50]
            text += "\n" + "\n".join(f"  - {p}" for p in shown)
            if len(self.problems) > len(shown):
                text += f"\n  ... and {len(self.problems) - len(shown)} more"
        return text


class QueryError(ReconError):
    """A named SQL query failed; names the query, its parameters and DuckDB's message."""

    def __init__(self, name: str, params: dict | None, message: str):
        self.name, self.params = name, dict(params or {})
        super().__init__(f"query {name!r} failed with parameters {self.params}: {message}")


class StepError(ReconError):
    """A step of the period run failed (a notebook cell, a render)."""
