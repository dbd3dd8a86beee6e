"""Show results in a notebook: tables with formatted money, short text. Display only, no logic."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import pandas as pd
from IPython.display import HTML, display

from recon_lib.formats import yuan  # notebooks write sums with show.yuan too


def _places(col: pd.Series) -> int:
    """Decimals a column of floats reads well with: none when every value is whole (a count that
    arrived as a float), else two."""
    values = col.dropna()
    return 0 if len(values) and (values % 1 == 0).all() else 2


def table(df: pd.DataFrame, *, money: Sequence[str] = (), percent: Sequence[str] = (),
          decimals: Mapping[str, int] | None = None, max_rows: int = 500) -> None:
    """Display ``df`` without its index; money as ¥1,234.50, shares as 98.5%, other decimals as
    1234.57 (whole numbers without decimals; ``decimals`` sets a column's places, e.g. 4 for an
    exchange rate), times that are all midnight as days; long tables cut."""
    shown = df.head(max_rows)
    decimals = decimals or {}
    formatters = {c: (lambda v: "" if pd.isna(v) else yuan(v)) for c in money if c in df}
    formatters |= {c: (lambda v: "" if pd.isna(v) else f"{v:.1%}") for c in percent if c in df}
    for c in shown:
        if c in formatters:
            continue
        if c in decimals or pd.api.types.is_float_dtype(shown[c]):
            places = decimals[c] if c in decimals else _places(shown[c].astype(float))
            formatters[c] = lambda v, p=places: "" if pd.isna(v) else f"{float(v):.{p}f}"
        elif pd.api.types.is_datetime64_any_dtype(shown[c]):
            times = shown[c].dropna()
            if len(times) and (times == times.dt.normalize()).all():  # days: no 00:00:00
                formatters[c] = lambda v: "" if pd.isna(v) else v.strftime("%Y-%m-%d")
    numeric = [c for c in shown if c in formatters or pd.api.types.is_numeric_dtype(shown[c])]
    text_cols = [c for c in shown if c not in numeric]
    styler = (shown.style.hide(axis="index").format(formatters, na_rep="")
              .set_table_attributes('class="recon-table"')
              .set_properties(subset=numeric, **{"text-align": "right"})
              .set_properties(subset=text_cols, **{"text-align": "left"})
              .set_table_styles([{"selector": "th", "props": "text-align: left;"}]))
    body = styler.to_html()
    if len(df) > max_rows:
        body += (f"<p><em>Showing {max_rows:,} of {len(df):,} rows; in JupyterLab "
                 "recon_lib.results returns them all.</em></p>")
    display(HTML(body))


def text(message: str) -> None:
    display(HTML(f"<p>{html.escape(message)}</p>"))


def links(targets: dict[str, str]) -> None:
    """A list of links to files next to the report (relative paths)."""
    items = "".join(f'<li><a href="{html.escape(href)}">{html.escape(label)}</a></li>'
                    for label, href in targets.items())
    display(HTML(f"<ul>{items}</ul>"))
