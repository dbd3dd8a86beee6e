"""Executed notebook -> one self-contained HTML file that opens offline.

nbconvert's ``lab`` template links require.js and MathJax from a CDN, appends a widget loader
from unpkg when the notebook has widget state, and carries an inline module that imports
mermaid.js from cdnjs. ``templates/recon_offline.html.j2`` removes all four; every export is then
checked with :func:`external_resources` and refused if anything would still be fetched.

Every page also carries a Content-Security-Policy (:func:`with_csp`): ``default-src 'none'``,
images from ``data:`` only, and only the ``<style>`` blocks and the one ``<script>`` that the
template put in the page's head, each allowed by its SHA-256 hash. Values from the input files are
escaped where they are rendered (``recon_lib.show``); the policy is the second line: a value that
escaped escaping still cannot run a script, load anything or style the page.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import logging
import mimetypes
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import nbformat
from nbconvert import HTMLExporter

from recon_lib import labels
from recon_lib.errors import StepError

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_FILE = "recon_offline.html.j2"

# Tag -> attributes whose URL the browser fetches when the page is opened. <a href> is not here:
# a hyperlink is only followed when clicked.
_FETCHED_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "input": ("src",),
    "image": ("href", "xlink:href"),
}
_REMOTE = r"(?:https?:)?//[^\s'\"`()<>]+"
_REMOTE_URL = re.compile(r"\s*(?:https?:)?//", re.IGNORECASE)
# Inside <style> and style="": url(...) and @import.
_CSS_REMOTE = re.compile(
    rf"url\(\s*['\"]?\s*({_REMOTE})|@import\s+['\"]\s*({_REMOTE})", re.IGNORECASE
)
# Inside inline <script>: ES module imports, and string literals naming a remote .js/.mjs/.css
# file (how the widget loader and similar snippets inject <script src> at run time).
_JS_REMOTE = re.compile(
    rf"\bimport\s*\(\s*['\"`]\s*({_REMOTE})"
    rf"|\b(?:import|from)\s*['\"`]\s*({_REMOTE})"
    rf"|['\"`]({_REMOTE}\.(?:m?js|css)(?:\?[^'\"`\s]*)?)['\"`]",
    re.IGNORECASE,
)


class _ResourceFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._raw_tag: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = _FETCHED_ATTRIBUTES.get(tag, ())
        for name, value in attrs:
            if not value:
                continue
            if name in names:
                if name == "srcset":  # "a.png 1x, b.png 2x"
                    urls = [part.split()[0] for part in value.split(",") if part.strip()]
                else:
                    urls = [value]
                self.found.extend(u for u in urls if _REMOTE_URL.match(u))
            elif name == "style":
                self._scan(_CSS_REMOTE, value)
        if tag in ("script", "style"):
            self._raw_tag = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._raw_tag = None

    def handle_endtag(self, tag: str) -> None:
        if tag == self._raw_tag:
            self._raw_tag = None

    def handle_data(self, data: str) -> None:
        if self._raw_tag == "style":
            self._scan(_CSS_REMOTE, data)
        elif self._raw_tag == "script":
            self._scan(_JS_REMOTE, data)

    def _scan(self, pattern: re.Pattern[str], text: str) -> None:
        for match in pattern.finditer(text):
            self.found.append(next(g for g in match.groups() if g))


def external_resources(html_text: str) -> list[str]:
    """Every URL on the internet (``http:``, ``https:`` or ``//``) that the page would fetch.

    Looks at the fetching attributes of script, link, img and friends (``src``, ``href``,
    ``srcset``, ...), at ``url(...)``/``@import`` in inline CSS, and at module imports and remote
    ``.js``/``.css`` string literals in inline scripts. Plain ``<a href>`` links are allowed.
    ``data:`` URIs and relative paths are not reported.
    """
    finder = _ResourceFinder()
    finder.feed(html_text)
    finder.close()
    return finder.found


_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
_HEAD_START = re.compile(r"<head\b[^>]*>(\s*<meta\s+charset=[^>]*>)?", re.IGNORECASE)
_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)
_SCRIPT_ELEMENT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_SCRIPT_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]*)""", re.IGNORECASE)
_JAVASCRIPT = ("", "text/javascript", "application/javascript", "module")
_CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n?')


def _source_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(page: str) -> str:
    """The policy for a page: nothing fetched (images from ``data:`` only), and only what the
    page's ``<head>`` holds may style or script it: each ``<style>`` block and at most one
    inline ``<script>``, by hash. Nothing in the body is ever allowed, so a value from an input
    file that reached the page unescaped cannot run.

    Raises StepError if the head holds more than one script or a script with ``src``.
    """
    end = _HEAD_END.search(page)
    head = page[:end.start()] if end else ""
    styles = [_source_hash(css) for css in _STYLE_ELEMENT.findall(head)]
    scripts = []
    for attributes, code in _SCRIPT_ELEMENT.findall(head):
        kind = _SCRIPT_TYPE.search(attributes)
        if (kind.group(1).lower() if kind else "") not in _JAVASCRIPT:
            continue  # data (application/json, ...): never run
        if re.search(r"\bsrc\s*=", attributes, re.IGNORECASE):
            raise StepError("the report template's head loads a script file; reports allow only "
                            "their one inline script")
        scripts.append(_source_hash(code))
    if len(scripts) > 1:
        raise StepError(f"the report template's head has {len(scripts)} scripts; reports allow "
                        "only one inline script (the table filter)")
    none = "'none'"
    return "; ".join([
        f"default-src {none}",
        f"script-src {scripts[0] if scripts else none}",
        f"style-src {' '.join(dict.fromkeys(styles)) or none}",
        "img-src data:",
        "font-src data:",
        "base-uri 'none'",
        "form-action 'none'",
    ])


def with_csp(page: str) -> str:
    """``page`` with its :func:`content_security_policy` as the first element of its head
    (right after ``<meta charset>``), replacing one added before."""
    page = _CSP_META.sub("", page, count=1)
    start = _HEAD_START.search(page)
    if start is None:
        raise StepError("a report page without <head> cannot carry its security policy")
    policy = content_security_policy(page).replace('"', "&quot;")
    meta = f'\n<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
    return page[:start.end()] + meta + page[start.end():].lstrip("\n")


def notebook_title(nb: nbformat.NotebookNode, default: str) -> str:
    """The text of the notebook's first ``# heading`` (any level if there is no level-1 one)."""
    first_any: str | None = None
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        in_fence = False
        for line in cell.source.splitlines():
            if re.match(r"\s{0,3}(```|~~~)", line):
                in_fence = not in_fence
                continue
            match = None if in_fence else re.match(r"\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$", line)
            if not match:
                continue
            text = _plain_text(match.group(2))
            if not text:
                continue
            if len(match.group(1)) == 1:
                return text
            first_any = first_any or text
    return first_any or default


def _plain_text(markdown: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)  # [text](url) -> text
    text = re.sub(r"(\*\*|__|`)", "", text)
    return text.strip()


# ![alt](path "title") in markdown; group 2 is the path.
_MD_IMAGE = re.compile(r'!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(\s+"[^"]*")?\s*\)')
_HAS_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:|//|#", re.IGNORECASE)


def _attach_local_images(nb: nbformat.NotebookNode, base_dir: Path) -> None:
    """Turn ``![alt](local.png)`` in markdown cells into cell attachments, which nbconvert
    always inlines as data: URIs, so the report still shows them when forwarded.

    (nbconvert's own ``embed_images`` option does this too, but it re-parses every inline HTML
    tag on its own and so breaks inline markup such as papermill's red error banner.)
    Only files under ``base_dir`` are embedded; URLs and missing files are left alone.
    """
    base = base_dir.resolve()
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue

        def attach(match: re.Match[str], cell: nbformat.NotebookNode = cell) -> str:
            src = match.group(2)
            if _HAS_SCHEME.match(src):
                return match.group(0)
            path = (base / unquote(src)).resolve()
            mime = mimetypes.guess_type(path.name)[0] or ""
            if not (path.is_relative_to(base) and path.is_file() and mime.startswith("image/")):
                return match.group(0)
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            cell.setdefault("attachments", {})[src] = {mime: data}
            return f"![{match.group(1)}](attachment:{src}{match.group(3) or ''})"

        cell.source = _MD_IMAGE.sub(attach, cell.source)


def export_html(
    ipynb_path: Path | str,
    html_path: Path | str,
    *,
    title: str | None = None,
    images_dir: Path | str | None = None,
) -> Path:
    """Render an executed notebook to a self-contained HTML report; returns ``html_path``.

    Code inputs and ``In []``/``Out []`` prompts are hidden; outputs (tables, base64 PNG figures,
    tracebacks) and markdown stay. ``title`` (default: the first markdown heading, else the file
    stem) becomes the page ``<title>``. Local images referenced from markdown are embedded, looked
    up relative to ``images_dir`` (default: the notebook's folder).

    Raises StepError, and writes nothing, if the page would still load anything from the internet.
    """
    ipynb_path, html_path = Path(ipynb_path).resolve(), Path(html_path).resolve()
    try:
        nb = nbformat.read(ipynb_path, as_version=4)
    except (OSError, ValueError) as exc:
        raise StepError(f"cannot read notebook {ipynb_path} to render it: {exc}") from exc
    nb = copy.deepcopy(nb)
    if title is None:
        title = notebook_title(nb, ipynb_path.stem)
    nb.metadata["title"] = title  # the lab template prefers metadata.title for <title>
    _attach_local_images(nb, Path(images_dir) if images_dir else ipynb_path.parent)

    exporter = HTMLExporter(
        template_name="lab",
        template_file=TEMPLATE_FILE,
        extra_template_paths=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        # Belt and braces: the template drops these blocks anyway.
        require_js_url="",
        mathjax_url="",
        mermaid_js_url="",
        mermaid_layout_elk_js_url="",
        jupyter_widgets_base_url="",
        language_code="en" if labels.language() == "en" else "zh",  # the table script reads it
    )
    resources = {"metadata": {"name": title, "path": str(ipynb_path.parent)}}
    try:
        body, _ = exporter.from_notebook_node(nb, resources=resources)
    except Exception as exc:
        raise StepError(f"rendering {ipynb_path.name} to HTML failed: {exc}") from exc

    remote = external_resources(body)
    if remote:
        shown = ", ".join(remote[:5]) + (f" and {len(remote) - 5} more" if len(remote) > 5 else "")
        raise StepError(
            f"the HTML report for {ipynb_path.name} would load {len(remote)} resource(s) from "
            f"the internet ({shown}); it must open offline, so {html_path} was not written. "
            "Embed the content instead (e.g. save the image next to the notebook and reference "
            "it by a relative path)."
        )

    body = with_csp(body)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(html_path, body)
    log.info("rendered %s -> %s", ipynb_path.name, html_path)
    return html_path


def write_atomically(path: Path, text: str) -> None:
    """Write UTF-8 text so a reader never sees a half-written file (temp file, then rename)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
