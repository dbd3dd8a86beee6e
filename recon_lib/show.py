"""Show results in a notebook: tables with formatted money, short text. Display only, no logic.

Every value shown comes from files strangers wrote (waybills, counterparties, buyers' notes), so
all HTML here is built by :func:`table_html` and :func:`escaped`: each header and cell is text,
escaped, never markup. Tables carry classes only (no inline styles): the report template's
stylesheet aligns them, so the pages need no ``style-src 'unsafe-inline'``.

Headers and categorical cells read as the label catalogue says (:mod:`recon_lib.labels`):
``金额 Amount`` for ``amount``, ``天猫 Tmall`` for ``tmall``, ``是``/``否`` for yes/no. No table is
cut silently: every row is in the page (searched and paged by the page's script), up to
:data:`MAX_ROWS`, past which the page says what was left out and where the complete list is.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import quote

import numpy as np
import pandas as pd
from IPython.display import HTML, display

from recon_lib import labels
from recon_lib.formats import yuan  # notebooks write sums with show.yuan too

log = logging.getLogger(__name__)

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


MAX_ROWS = 5000
"""Rows a page holds before it cuts a table (the page pages and searches them, 50 at a time);
past it the table shows its first rows, the caller's order (money first), and says what was
left out, with its total and where the complete list is."""


def _header(column, key: str, vocabulary: str | None, from_data: bool) -> str:
    """A column's ``<th>``: its catalogue label, Chinese above English (``<span class="en">``);
    a column named by the data (a carrier in a pivot) as that value, marked
    ``class="from-data"``; a name the catalogue does not know as it is, marked
    ``class="unlabelled"``. Every part escaped."""
    if from_data:
        return f'<th class="from-data">{escaped(labels.value(vocabulary, column))}</th>'
    if labels.has_column(key):
        label = labels.column_label(key)
        if labels.language() == "en" or not label.zh or label.zh == label.en:
            return f"<th>{escaped(label.text())}</th>"
        return f'<th>{escaped(label.zh)} <span class="en">{escaped(label.en)}</span></th>'
    log.warning("table column %r has no label in recon_lib/data/labels.csv", key)
    return f'<th class="unlabelled">{escaped(column)}</th>'


def table_html(df: pd.DataFrame, *, money: Sequence[str] = (), percent: Sequence[str] = (),
               decimals: Mapping[str, int] | None = None, max_rows: int = MAX_ROWS,
               headers: Mapping[str, str] | None = None,
               data_columns: Mapping[str, str | None] | None = None,
               complete_in: str | None = None, empty: str | None = None) -> str:
    """``df`` as an HTML table, without its index: the one way a table reaches a report.

    Headers are the catalogue's labels (:mod:`recon_lib.labels`): column ``c`` reads as the label
    of ``headers.get(c, c)``, and its cells through that label's vocabulary (``tmall`` as
    ``天猫 Tmall``); yes/no as ``是``/``否``. ``data_columns`` maps columns whose names are values
    from the data (the carriers of a pivot) to the vocabulary that labels them. A column the
    catalogue does not know keeps its name and is marked ``class="unlabelled"`` (a test fails).

    Money as ¥1,234.50, shares as 98.5%, other decimals as 1234.57 (whole numbers without
    decimals; ``decimals`` sets a column's places, e.g. 4 for an exchange rate), times that are
    all midnight as days. Every row up to ``max_rows`` is in the page (the page's script pages
    and searches them); past it, what was left out is said with its count and money total, and
    ``complete_in`` (a file next to the page, e.g. ``exceptions.xlsx``) is linked for the
    complete list. Every header and cell is escaped text; numbers are ``class="num"``. A frame
    without rows is a sentence (``empty``, else "no rows"), not an empty table.
    """
    if not len(df):
        message = empty or labels.both("没有记录。", "No rows.")
        return f'<p class="recon-note info">{escaped(message)}</p>'
    headers = dict(headers or {})
    from_data = dict(data_columns or {})
    shown = df.head(max_rows)
    formatters = _formatters(shown, money, percent, decimals or {})
    numeric = {c for c in shown if c in formatters or pd.api.types.is_numeric_dtype(shown[c])}
    numeric -= {c for c in shown if pd.api.types.is_bool_dtype(shown[c])}
    columns = list(shown.columns)
    keys = {c: str(headers.get(c, c)) for c in columns}
    vocab = {c: from_data[c] if c in from_data else labels.cells_of(keys[c]) for c in columns}
    numeric -= {c for c in columns if vocab[c] and c not in from_data}
    head = "".join(_header(c, keys[c], vocab[c], c in from_data) for c in columns)
    # each cell names its column too: on a phone the rows read as cards (the template's CSS)
    names = {c: escaped(labels.value(vocab[c], c) if c in from_data else
                        labels.column(keys[c]) if labels.has_column(keys[c]) else c)
             for c in columns}
    rows = []
    for values in shown.itertuples(index=False, name=None):
        cells = []
        for c, v in zip(columns, values, strict=True):
            if labels.is_missing(v):
                text = ""
            elif c in formatters and not isinstance(v, bool | np.bool_):
                text = formatters[c](v)
            elif isinstance(v, bool | np.bool_) or (vocab[c] and c not in from_data):
                text = labels.value(vocab[c] if c not in from_data else None, v)
            else:
                text = v
            css = ' class="num"' if c in numeric else ""
            cells.append(f'<td{css} data-label="{names[c]}">{escaped(text)}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    wide = " recon-wide" if len(columns) > 3 else ""  # its rows read as cards on a phone
    body = (f'<div class="recon-scroll{wide}"><table class="{TABLE_CLASS}">\n<thead><tr>{head}</tr>'
            "</thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table></div>")
    if len(df) > max_rows:
        body += _cut_note(df, max_rows, money, complete_in)
    return body


def _cut_note(df: pd.DataFrame, max_rows: int, money: Sequence[str], complete_in: str | None
              ) -> str:
    """What a cut table left out: how many rows, their money, and where they all are."""
    rest = df.iloc[max_rows:]
    total = next((c for c in money if c in rest), None)
    money_zh = f"，合计 {yuan(rest[total].astype(float).sum())}" if total else ""
    money_en = f", {yuan(rest[total].astype(float).sum())} in all," if total else ""
    link = (f'<a href="{escaped(_relative(complete_in))}">{escaped(complete_in)}</a>'
            if complete_in else "")
    zh = (f"显示前 {max_rows:,} 行（共 {len(df):,} 行）；另有 {len(rest):,} 行未显示{money_zh}"
          + (f"，完整清单见 {link}" if link else "") + "。")
    en = (f"Showing the first {max_rows:,} of {len(df):,} rows; {len(rest):,} more{money_en} "
          + (f"are in {link}." if link else "are not shown."))
    return f'<p class="recon-note cut">{en if labels.language() == "en" else zh + " " + en}</p>'


def table(df: pd.DataFrame, *, money: Sequence[str] = (), percent: Sequence[str] = (),
          decimals: Mapping[str, int] | None = None, max_rows: int = MAX_ROWS,
          headers: Mapping[str, str] | None = None,
          data_columns: Mapping[str, str | None] | None = None,
          complete_in: str | None = None, empty: str | None = None) -> None:
    """Display ``df`` as :func:`table_html` renders it."""
    display(HTML(table_html(df, money=money, percent=percent, decimals=decimals,
                            max_rows=max_rows, headers=headers, data_columns=data_columns,
                            complete_in=complete_in, empty=empty)))


def text(message: str) -> None:
    display(HTML(f"<p>{escaped(message)}</p>"))


NOTE_KINDS = ("info", "warning", "provenance")


def note(message: str, kind: str = "info") -> None:
    """A sentence set apart: ``warning`` (the period has no data, history too short),
    ``provenance`` (the run the page's figures came from) or ``info``. Nothing when empty."""
    if not message:
        return
    if kind not in NOTE_KINDS:
        raise ValueError(f"note kind must be one of {', '.join(NOTE_KINDS)}, got {kind!r}")
    display(HTML(f'<p class="recon-note {kind}">{escaped(message)}</p>'))


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
