"""The file-loading layer: profiles, raw readers, value parsing, recognition and period loads.

Typical use::

    from recon_lib.load import load_period
    report = load_period(db, periods.parse_period("2026-10"))
"""

from recon_lib.load.detect import (
    Candidate,
    Recognition,
    candidates,
    detect,
    period_files,
    recognise,
)
from recon_lib.load.loader import FileReport, LoadReport, load_period, read_file, to_arrow
from recon_lib.load.profile import (
    ColumnRule,
    ExtraLine,
    Profile,
    TotalCheck,
    Totals,
    Unpivot,
    load_profiles,
    parse_profile,
    profile_dirs,
    read_profile,
)
from recon_lib.load.readers import Grid, find_header, read_grid

__all__ = [
    "Candidate", "ColumnRule", "ExtraLine", "FileReport", "Grid", "LoadReport", "Profile",
    "Recognition", "TotalCheck", "Totals", "Unpivot", "candidates", "detect", "find_header",
    "load_period", "load_profiles", "parse_profile", "period_files", "profile_dirs", "read_file",
    "read_grid", "read_profile", "recognise", "to_arrow",
]
