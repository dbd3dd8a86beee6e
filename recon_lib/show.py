"""Show results in a notebook: tables with formatted money, short text. Display only, no logic.

Every value shown comes from files strangers wrote (waybills, counterparties, buyers' notes), so
all HTML here is built by :func:`table_html` and :func:`escaped`: each header and cell is text,
escaped, never markup. Tables carry classes only (no inline styles): the report template's
stylesheet aligns them, so the pages need no ``style-src 'unsafe-inline'``.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import quote

import pandas as pd
from IPython.display import HTML, display

from recon_lib.formats import yuan  # notebooks write sums with show.yuan too

TABLE_CLASS = "recon-table"


def escaped(value) -> str:
    """Any value as HTML text: ``<`` ``>`` ``&`` and both quotes escaped; missing as ''."""
    if value is None or (not isinstance(value, str) and _missing(value)):
        return ""
    return html.escape(str(value), quote=True)


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # arrays, lists: not one missing value
        return False


def _places(col: pd.Series) -> int:
    """Decimals a column of floats reads well with: none when every value is whole (a count that
    arrived as a float), else two."""
    values = col.dropna()
    return 0 if len(values) and (values % 1 == 0).all() else 2


def _formatters(shown: pd.DataFrame, money: Sequence[str], percent: Sequence[str],
                decimals: Mapping[str, int]) -> dict[str, Callable]:
    """How each column's values read: money as ¥1,234.50, shares as 98.5%, floats rounded,
    midnights as days. Columns not here are shown as ``str(value)``."""
    formatters: dict[str, Callable] = {c: yuan for c in money if c in shown}
    formatters |= {c: (lambda v: f"{v:.1%}") for c in percent if c in shown}
    for c in shown:
        if c in formatters:
            continue
        if c in decimals or pd.api.types.is_float_dtype(shown[c]):
            places = decimals[c] if c in decimals else _places(shown[c].astype(float))
            formatters[c] = lambda v, p=places: f"{float(v):.{p}f}"
        elif pd.api.types.is_datetime64_any_dtype(shown[c]):
            times = shown[c].dropna()
            if len(times) and (times == times.dt.normalize()).all():  # days: no 00:00:00
                formatters[c] = lambda v: v.strftime("%Y-%m-%d")
    return formatters


def table_html(df: pd.DataFrame, *, money: Sequence[str] = (), percent: Sequence[str] = (),
               decimals: Mapping[str, int] | None = None, max_rows: int = 500) -> str:
    """``df`` as an HTML table, without its index: the one way a table reaches a report.

    Money as ¥1,234.50, shares as 98.5%, other decimals as 1234.57 (whole numbers without
    decimals; ``decimals`` sets a column's places, e.g. 4 for an exchange rate), times that are
    all midnight as days; long tables cut. Every header and cell is escaped text; numbers are
    marked ``class="num"`` (right-aligned by the stylesheet).
    """
    shown = df.head(max_rows)
    formatters = _formatters(shown, money, percent, decimals or {})
    numeric = {c for c in shown if c in formatters or pd.api.types.is_numeric_dtype(shown[c])}
    numeric -= {c for c in shown if pd.api.types.is_bool_dtype(shown[c])}
    columns = list(shown.columns)
    head = "".join(f"<th>{escaped(c)}</th>" for c in columns)
    rows = []
    for values in shown.itertuples(index=False, name=None):
        cells = []
        for c, v in zip(columns, values, strict=True):
            text = "" if v is None or (not isinstance(v, str) and _missing(v)) else (
                formatters[c](v) if c in formatters else v)
            css = ' class="num"' if c in numeric else ""
            cells.append(f"<td{css}>{escaped(text)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    body = (f'<table class="{TABLE_CLASS}">\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
            + "\n".join(rows) + "\n</tbody>\n</table>")
    if len(df) > max_rows:
        body += (f"<p><em>Showing {max_rows:,} of {len(df):,} rows; in JupyterLab "
                 "recon_lib.results returns them all.</em></p>")
    return body


def table(df: pd.DataFrame, *, money: Sequence[str] = (), percent: Sequence[str] = (),
          decimals: Mapping[str, int] | None = None, max_rows: int = 500) -> None:
    """Display ``df`` as :func:`table_html` renders it."""
    display(HTML(table_html(df, money=money, percent=percent, decimals=decimals,
                            max_rows=max_rows)))


def text(message: str) -> None:
    display(HTML(f"<p>{escaped(message)}</p>"))


def links(targets: dict[str, str]) -> None:
    """A list of links to files next to the report: each target is a relative path, quoted, so
    no name (a carrier's, say) can become a ``javascript:`` or remote URL."""
    items = "".join(f'<li><a href="{escaped(_relative(href))}">{escaped(label)}</a></li>'
                    for label, href in targets.items())
    display(HTML(f"<ul>{items}</ul>"))


def _relative(href) -> str:
    """A path as a relative URL: percent-quoted (``:`` too), never starting with ``/``."""
    url = quote(str(href), safe="/")
    return "./" + url.lstrip("/") if url.startswith("/") else url
