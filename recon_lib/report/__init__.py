"""Report rendering: run parameterised notebooks with papermill, export them to offline HTML
(each page with its Content-Security-Policy), and write the per-period and all-periods index
pages. Every workbook and CSV is written through :mod:`recon_lib.report.workbook`."""

from recon_lib.report.html import export_html, external_resources
from recon_lib.report.index import write_period_index, write_reports_index
from recon_lib.report.notebooks import (
    NotebookFailed,
    RenderedNotebook,
    notebook_parameters,
    run_notebook,
)

__all__ = [
    "NotebookFailed",
    "RenderedNotebook",
    "export_html",
    "external_resources",
    "notebook_parameters",
    "run_notebook",
    "write_period_index",
    "write_reports_index",
]
