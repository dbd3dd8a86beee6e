"""export_html and external_resources, on notebooks built in the test (no kernel needed)."""

from __future__ import annotations

import re

import nbformat
import pytest
from nbconvert import HTMLExporter
from report_helpers import TINY_PNG_B64, write_notebook

from recon_lib.errors import StepError
from recon_lib.report import export_html, external_resources
from recon_lib.report.html import notebook_title

v4 = nbformat.v4

# --- external_resources -----------------------------------------------------------------------

FETCHED = {
    "script src": (
        '<script src="https://cdn.example.com/x.js"></script>',
        "https://cdn.example.com/x.js",
    ),
    "upper case": (
        "<SCRIPT SRC='HTTPS://CDN.EXAMPLE.COM/X.JS'></SCRIPT>",
        "HTTPS://CDN.EXAMPLE.COM/X.JS",
    ),
    "stylesheet": (
        '<link rel="stylesheet" href="http://fonts.googleapis.com/css?family=Roboto">',
        "http://fonts.googleapis.com/css?family=Roboto",
    ),
    "protocol-relative img": ('<img src="//cdn.example.com/a.png">', "//cdn.example.com/a.png"),
    "srcset": (
        '<img srcset="a.png 1x, https://cdn.example.com/b.png 2x">',
        "https://cdn.example.com/b.png",
    ),
    "iframe": (
        '<iframe src="https://maps.example.com/embed"></iframe>',
        "https://maps.example.com/embed",
    ),
    "css import": (
        '<style>@import url("https://fonts.googleapis.com/css2?family=Inter");</style>',
        "https://fonts.googleapis.com/css2?family=Inter",
    ),
    "font-face": (
        "<style>@font-face { src: url(https://fonts.gstatic.com/x.woff2); }</style>",
        "https://fonts.gstatic.com/x.woff2",
    ),
    "style attribute": (
        "<div style=\"background: url('https://cdn.example.com/bg.png')\"></div>",
        "https://cdn.example.com/bg.png",
    ),
    "module import": (  # what nbconvert's mermaid loader does
        '<script type="module">const m = (await import("https://cdnjs.cloudflare.com/m.esm.min.mjs")).default;</script>',
        "https://cdnjs.cloudflare.com/m.esm.min.mjs",
    ),
    "injected script url": (  # what nbconvert's widget loader does
        "<script>var src = 'https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@1/dist/embed-amd.js';</script>",
        "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@1/dist/embed-amd.js",
    ),
}


@pytest.mark.parametrize("snippet, url", FETCHED.values(), ids=FETCHED.keys())
def test_external_resources_finds_fetched_urls(snippet, url):
    assert external_resources(f"<html><body><p>x</p>{snippet}</body></html>") == [url]


ALLOWED = {
    "hyperlink": '<a href="https://example.com/docs">docs</a>',
    "data uri": f'<img src="data:image/png;base64,{TINY_PNG_B64}">',
    "relative": '<img src="chart.png"><link rel="stylesheet" href="style.css">',
    "escaped text": '<p>see https://example.com and &lt;script src="https://evil.example"&gt;</p>',
    "json payload": '<script type="application/json">{"page": "https://example.com/page"}</script>',
    "css comment": "<style>/* https://github.com/x/y */ a { color: red; }</style>",
    "svg namespace": '<svg xmlns="http://www.w3.org/2000/svg"><use href="#a"/></svg>',
    "empty src": '<script src=""></script>',
}


@pytest.mark.parametrize("snippet", ALLOWED.values(), ids=ALLOWED.keys())
def test_external_resources_ignores_what_is_not_fetched(snippet):
    assert external_resources(f"<html><body>{snippet}</body></html>") == []


# --- export_html ------------------------------------------------------------------------------


def _executed_notebook(path, *, markdown="# Margins & fees\n\nIntro text.", metadata=None):
    code = v4.new_code_cell("HIDDEN_CODE_LINE = 1\nprint('visible output')", execution_count=1)
    code.outputs = [
        v4.new_output("stream", name="stdout", text="visible output\n"),
        v4.new_output(
            "execute_result",
            data={
                "text/html": '<table class="dataframe"><tr><td>CELL-VALUE</td></tr></table>',
                "text/plain": "CELL-VALUE",
            },
            execution_count=1,
        ),
        v4.new_output("display_data", data={"image/png": TINY_PNG_B64, "text/plain": "<Figure>"}),
    ]
    return write_notebook(path, [v4.new_markdown_cell(markdown), code], metadata=metadata)


def test_export_html_hides_code_and_keeps_outputs(tmp_path):
    nb = _executed_notebook(tmp_path / "margins.ipynb")
    html_path = export_html(nb, tmp_path / "site" / "margins.html")
    assert html_path == tmp_path / "site" / "margins.html"
    html = html_path.read_text(encoding="utf-8")
    assert "<title>Margins &amp; fees</title>" in html
    assert "Intro text." in html and "visible output" in html and "CELL-VALUE" in html
    assert re.search(r'<img [^>]*src="data:image/png;base64,', html)
    assert "HIDDEN_CODE_LINE" not in html
    assert 'class="jp-InputPrompt' not in html and 'class="jp-OutputPrompt' not in html
    assert '<meta charset="utf-8"' in html
    assert external_resources(html) == []


def test_export_html_title_argument_wins_and_is_escaped(tmp_path):
    nb = _executed_notebook(tmp_path / "margins.ipynb")
    html = export_html(nb, tmp_path / "m.html", title="Fees <b>&</b> margins").read_text("utf-8")
    assert "<title>Fees &lt;b&gt;&amp;&lt;/b&gt; margins</title>" in html


def test_export_html_title_falls_back_to_the_stem(tmp_path):
    nb = _executed_notebook(tmp_path / "stock_moves.ipynb", markdown="No heading here.")
    html = export_html(nb, tmp_path / "s.html").read_text("utf-8")
    assert "<title>stock_moves</title>" in html


WIDGET_STATE = {
    "application/vnd.jupyter.widget-state+json": {
        "state": {},
        "version_major": 2,
        "version_minor": 0,
    }
}
MERMAID_AND_MATH = "# Flow\n\n$x^2$ and\n\n```mermaid\ngraph LR; A-->B\n```\n"


def test_stock_lab_template_would_fetch_from_the_internet(tmp_path):
    """The control for the next test: what nbconvert's lab template emits on its own, even with
    require_js_url and mathjax_url emptied."""
    path = _executed_notebook(
        tmp_path / "w.ipynb", markdown=MERMAID_AND_MATH, metadata={"widgets": WIDGET_STATE}
    )
    exporter = HTMLExporter(template_name="lab", require_js_url="", mathjax_url="")
    body, _ = exporter.from_notebook_node(nbformat.read(path, as_version=4))
    remote = external_resources(body)
    assert any("cdnjs.cloudflare.com/ajax/libs/mermaid" in url for url in remote)
    assert any("unpkg.com/@jupyter-widgets/html-manager" in url for url in remote)
    assert '<script src=""' in body


def test_export_html_drops_cdn_loaders(tmp_path):
    path = _executed_notebook(
        tmp_path / "w.ipynb", markdown=MERMAID_AND_MATH, metadata={"widgets": WIDGET_STATE}
    )
    html = export_html(path, tmp_path / "w.html").read_text("utf-8")
    assert external_resources(html) == []
    assert "<script src" not in html  # no empty require.js / MathJax tags either
    assert "cdnjs" not in html and "unpkg" not in html
    assert '<script type="module">' not in html  # nor the mermaid loader
    assert "MathJax.Hub.Config" not in html  # nor the MathJax configuration
    assert "addWidgetsRenderer" not in html  # nor the widget loader
    assert "graph LR" in html  # the diagram source is still readable as text


def test_export_html_refuses_a_remote_image_and_writes_nothing(tmp_path):
    path = _executed_notebook(
        tmp_path / "remote.ipynb", markdown="# Logo\n\n![logo](https://cdn.example.com/logo.png)"
    )
    target = tmp_path / "remote.html"
    with pytest.raises(
        StepError,
        match=r"remote\.ipynb would load 1 resource\(s\).*https://cdn\.example\.com/logo\.png",
    ):
        export_html(path, target)
    assert not target.exists()


def test_export_html_embeds_local_markdown_images(tmp_path):
    import base64

    (tmp_path / "nb" / "logo.png").parent.mkdir()
    (tmp_path / "nb" / "logo.png").write_bytes(base64.b64decode(TINY_PNG_B64))
    path = _executed_notebook(
        tmp_path / "nb" / "local.ipynb", markdown="# Logo\n\n![logo](logo.png)"
    )
    html = export_html(path, tmp_path / "elsewhere" / "local.html").read_text("utf-8")
    assert 'src="logo.png"' not in html
    assert re.search(r'<img alt="logo" src="data:image/png;base64,', html)


def test_export_html_keeps_inline_html_in_markdown(tmp_path):
    markdown = '# Notes\n\n<span style="color:red">Check <a href="#x">these</a></span> rows.'
    html = export_html(
        _executed_notebook(tmp_path / "n.ipynb", markdown=markdown), tmp_path / "n.html"
    )
    text = html.read_text("utf-8")
    assert '<span style="color:red">Check <a href="#x">these</a></span> rows.' in text


# --- notebook_title ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sources, expected",
    [
        (["# Orders vs shipments"], "Orders vs shipments"),
        (["Intro, no heading", "## Setup\n\n# Courier bills #"], "Courier bills"),
        (["## Only a subheading"], "Only a subheading"),
        (["```python\n# a comment, not a heading\n```\n", "# Real title"], "Real title"),
        (["# **Stock** and [returns](https://x.example)"], "Stock and returns"),
        (["no heading at all"], "the_stem"),
    ],
)
def test_notebook_title(sources, expected):
    nb = v4.new_notebook(cells=[v4.new_markdown_cell(s) for s in sources])
    nb.cells.insert(0, v4.new_code_cell("# Not markdown"))
    assert notebook_title(nb, "the_stem") == expected
