"""Charts for the period reports. Each returns a matplotlib Figure and never shows or saves it.

Labels may be Chinese (warehouses, categories): the charts prefer a CJK font where one is
installed (Noto Sans CJK, Source Han, WenQuanYi, PingFang, Microsoft YaHei, SimHei), and matplotlib
falls back glyph by glyph to its default font for everything else.

Labels come from input files (carriers, warehouses, channels, reasons), so every text a chart
draws goes through :func:`literal`: a ``$`` would start matplotlib's math mode, where a stranger's
``$\\foo$`` could fail the whole report; escaped, it is drawn as the characters it is.
"""

from __future__ import annotations

# No backend is chosen here: the notebook's (inline) one shows the figures, and matplotlib falls
# back to a headless backend by itself where there is no display.
import re
from glob import glob

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib import font_manager
from matplotlib.ticker import FuncFormatter, ScalarFormatter

from recon_lib import labels
from recon_lib.formats import yuan

CJK_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "PingFang SC",
             "Hiragino Sans GB", "Microsoft YaHei", "SimHei"]
_CJK_FILES = ("/usr/share/fonts/**/*CJK*.tt[cf]", "/usr/share/fonts/**/wqy-*.tt[cf]",
              "/usr/share/fonts/**/SourceHan*.otf", "/usr/local/share/fonts/**/*.tt[cf]")


def cjk_font() -> str | None:
    """The first CJK font matplotlib can use, or None (Chinese labels would show as boxes)."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    if not names.intersection(CJK_FONTS):
        # fonts installed after matplotlib built its font cache are not in it yet
        for pattern in _CJK_FILES:
            for path in glob(pattern, recursive=True):
                font_manager.fontManager.addfont(path)
        names = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in names), None)


plt.rcParams["font.sans-serif"] = [*CJK_FONTS, *plt.rcParams["font.sans-serif"]]
cjk_font()


def literal(text) -> str:
    """Any value as literal chart text: ``$`` escaped, so matplotlib never parses math in it;
    control characters (a tab, a carriage return: no font has them) as spaces."""
    return re.sub(r"[\x00-\x09\x0b-\x1f\x7f]", " ", str(text)).replace("$", r"\$")


def _labels(values) -> list[str]:
    return [literal(v) for v in values]


def _tick(value: float, _position=None) -> str:
    """A number axis as people read it: 2,500,000 (not 2.5 with '1e6' above), 0.07, 15."""
    if abs(value) >= 1000 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _finish(fig, ax, title: str, *, ylabel: str | None = None, xlabel: str | None = None,
            legend: str | bool = False, dates: bool = False):
    """The house style: title, units on the axes, no top/right frame, tight layout."""
    if ylabel:
        ax.set_ylabel(literal(ylabel))
    if xlabel:
        ax.set_xlabel(literal(xlabel))
    ax.set_title(literal(title))
    if legend:
        ax.legend(title=literal(legend) if isinstance(legend, str) else None, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    for axis in (ax.xaxis, ax.yaxis):  # numbers only: dates and categories keep theirs
        if type(axis.get_major_formatter()) is ScalarFormatter:
            axis.set_major_formatter(FuncFormatter(_tick))
    if dates:
        lo, hi = ax.dataLim.intervalx
        if lo == hi:  # a single date: matplotlib would stretch the axis over four years
            ax.set_xlim(lo - 20, hi + 20)  # date axes count in days
        fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def _names(df: pd.DataFrame, column: str) -> list[str]:
    """A category column's values as tick or legend text: through the catalogue's vocabulary
    for the column (``tmall`` as ``天猫 Tmall``), literal."""
    vocabulary = labels.cells_of(column)
    return _labels(labels.value(vocabulary, v) for v in df[column])


def findings_by_reason(summary: pd.DataFrame, title: str):
    """Horizontal bars: the money at stake per reason, largest at the top, each bar labelled
    with its amount and its number of findings. Reasons without findings are left out."""
    df = summary[summary["findings"] > 0]
    df = df.assign(amount=df["amount"].fillna(0).astype(float)).sort_values(
        ["amount", "findings"], ascending=False, kind="stable").iloc[::-1]  # barh draws bottom up
    names = ([labels.reason(c) for c in df["reason_code"]] if "reason_code" in df
             else df["title"].tolist())
    fig, ax = plt.subplots(figsize=(8, 0.45 * max(len(df), 1) + 1.4))
    bars_ = ax.barh(_labels(names), df["amount"], color="#c0504d")
    for bar, amount, n in zip(bars_, df["amount"], df["findings"], strict=True):
        money = yuan(amount) if amount else labels.both("无金额", "no amount")
        ax.annotate(literal(f"{money} · {labels.count(int(n))}"),
                    (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    if not len(df):
        ax.text(0.5, 0.5, literal(labels.both("本期无差异", "No findings in the period")),
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()  # no axis of nothing
    ax.margins(x=0.35)
    return _finish(fig, ax, title, xlabel=labels.axis("findings amount") if len(df) else None)


def bars(df: pd.DataFrame, label: str, value: str, title: str, unit: str, *, money=True):
    """Vertical bars of ``value`` per ``label`` with the values written on them."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    bars_ = ax.bar(_names(df, label), df[value], color="#4f81bd")
    for bar, v in zip(bars_, df[value], strict=True):
        if pd.isna(v):
            continue
        text = (yuan(v) if money else f"{v:.1%}" if unit == "share"
                else f"{v:,.2f}" if abs(v) < 10 else f"{v:,.1f}")  # a turnover of 0.37, not 0.4
        ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    xytext=(0, 3), textcoords="offset points", ha="center", fontsize=8)
    ax.margins(y=0.15)
    return _finish(fig, ax, title, ylabel=labels.axis(unit))


def histogram(values: pd.Series, title: str, unit: str, bins: int = 30):
    """Distribution of ``values`` (missing values left out), with its median marked."""
    data = values.dropna().astype(float)
    fig, ax = plt.subplots(figsize=(7, 3.4))
    ax.hist(data, bins=bins, color="#9bbb59")
    if len(data):
        ax.axvline(data.median(), color="#333333", linestyle="--", linewidth=1)
        ax.annotate(literal(f"{labels.axis('median')} {data.median():.1f}"),
                    (data.median(), ax.get_ylim()[1] * 0.9),
                    xytext=(4, 0), textcoords="offset points", fontsize=8)
    return _finish(fig, ax, title, xlabel=labels.axis(unit), ylabel=labels.axis("count"))


def stacked_bars(df: pd.DataFrame, label: str, stack: str, value: str, title: str, unit: str):
    """Bars per ``label`` stacked by ``stack`` (e.g. receivables by channel and age)."""
    table = df.pivot_table(index=label, columns=stack, values=value, aggfunc="sum",
                           fill_value=0, sort=False)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    bottom = None
    names = _labels(labels.value(labels.cells_of(label), v) for v in table.index)
    for column in table.columns:
        ax.bar(names, table[column], bottom=bottom,
               label=literal(labels.value(labels.cells_of(stack), column)))
        bottom = table[column] if bottom is None else bottom + table[column]
    legend = labels.column(stack) if labels.has_column(stack) else stack
    return _finish(fig, ax, title, ylabel=labels.axis(unit),
                   legend=legend if len(table.columns) else False)


def lines(df: pd.DataFrame, x: str, y: str, group: str, title: str, unit: str):
    """One line per ``group`` over ``x``."""
    fig, ax = plt.subplots(figsize=(8, 3.6))
    for name, part in df.sort_values(x).groupby(group, sort=True):
        ax.plot(part[x], part[y], marker="o", markersize=3,
                label=literal(labels.value(labels.cells_of(group), name)))
    return _finish(fig, ax, title, ylabel=labels.axis(unit), legend=True, dates=True)


def forecast(history: pd.DataFrame, ahead: pd.DataFrame, x: str, y: str, title: str, unit: str):
    """History as a line, the forecast dashed with its band (``lower`` .. ``upper``)."""
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.plot(history[x], history[y], marker="o", markersize=3,
            label=literal(labels.axis("actual")))
    if len(ahead):
        ax.plot(ahead[x], ahead["forecast"], linestyle="--", marker="o", markersize=3,
                label=literal(labels.axis("forecast")))
        ax.fill_between(ahead[x], ahead["lower"], ahead["upper"], alpha=0.2,
                        label=literal(labels.axis("band")))
    return _finish(fig, ax, title, ylabel=labels.axis(unit), legend=True, dates=True)


def waterfall(df: pd.DataFrame, title: str, unit: str = "yuan"):
    """First row the starting total, last row the result, the rows between what fell out."""
    names = df["label"].tolist()
    values = df["amount"].astype(float).tolist()
    fig, ax = plt.subplots(figsize=(9, 4))
    level = values[0]
    ax.bar(0, level, color="#4f81bd")
    for i, value in enumerate(values[1:-1], start=1):
        ax.bar(i, -value, bottom=level, color="#c0504d" if value > 0 else "#9bbb59")
        level -= value
    ax.bar(len(values) - 1, values[-1], color="#4f81bd")
    for i, value in enumerate(values):
        ax.annotate(yuan(value, 0), (i, ax.get_ylim()[1] * 0.01), ha="center", fontsize=7,
                    rotation=90, va="bottom", color="white" if i in (0, len(values) - 1)
                    else "black")
    ax.set_xticks(range(len(names)), [literal(_two_lines(text)) for text in names],
                  rotation=30, ha="right", fontsize=8)
    return _finish(fig, ax, title, ylabel=labels.axis(unit))


def _two_lines(text: str) -> str:
    """``订单实付 Paid by buyers`` as two lines, Chinese above English (English alone in ``en``)."""
    zh, _, en = str(text).partition(" ")
    if not en or not any("\u4e00" <= ch <= "\u9fff" for ch in zh):
        return str(text)
    return en if labels.language() == "en" else f"{zh}\n{en}"
