"""What the real-format loader tests share: where the fixtures are, and reading a file through
the profile that recognises it."""

from __future__ import annotations

from pathlib import Path

from recon_lib.load import detect, read_file
from recon_lib.periods import parse_period

REAL = "double-entry-generator/example"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "load" / "realformats"


def read(path: Path, builtin, period: str = "2026-10", expected: str | None = None):
    """The file read by the profile that recognises it (which must be ``expected``)."""
    profile = detect(path, builtin)
    if expected is not None:
        assert profile.name == expected
    return read_file(path, profile, parse_period(period))
