"""Run one parameterised notebook with papermill and render it to HTML.

Unknown parameters are refused before anything runs (papermill itself only warns). A failed run
keeps papermill's partly executed notebook, with its red banner cell on top, renders it too so the
reader sees where it stopped, and raises :class:`NotebookFailed` (a ``StepError``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill as pm
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from papermill.exceptions import PapermillExecutionError

from recon_lib.errors import InputError, ReconError, StepError
from recon_lib.report.html import export_html, notebook_title

log = logging.getLogger(__name__)

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
ERROR_MARKER_TAG = "papermill-error-cell-tag"  # papermill.execute.ERROR_MARKER_TAG


@dataclass(frozen=True)
class RenderedNotebook:
    """One executed notebook and its HTML page. ``ok`` is False when execution failed."""

    name: str
    """The notebook's file stem, e.g. ``"orders_vs_shipments"``."""
    title: str
    """Its first markdown heading, else the stem."""
    ipynb: Path
    html: Path
    ok: bool = True
    error: str | None = None


class NotebookFailed(StepError):
    """A notebook raised (or timed out, or its kernel died) while executing.

    ``rendered`` describes what was kept: the partly executed ``.ipynb`` and, when rendering it
    worked, its ``.html`` (``rendered.ok`` is False, ``rendered.error`` is this message).
    """

    def __init__(self, message: str, rendered: RenderedNotebook):
        super().__init__(message)
        self.rendered = rendered


def _read_notebook(path: Path) -> nbformat.NotebookNode:
    if not path.is_file():
        raise InputError(f"notebook {path} does not exist")
    try:
        return nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several unrelated types for a broken file
        raise InputError(f"notebook {path} is not a readable .ipynb file: {exc}") from exc


def notebook_parameters(path: Path | str) -> dict[str, dict[str, Any]]:
    """The parameters a notebook's ``parameters`` cell defines, by name.

    Each value is papermill's ``{name, inferred_type_name, default, help}`` (``help`` is the
    trailing comment). Empty when the notebook has no cell tagged ``parameters``.
    """
    path = Path(path)
    _read_notebook(path)  # a clear InputError for a missing or broken file
    return pm.inspect_notebook(str(path))


def _check_parameters_cell(path: Path, nb: nbformat.NotebookNode) -> None:
    tagged = [
        (i, cell)
        for i, cell in enumerate(nb.cells)
        if PARAMETERS_TAG in cell.get("metadata", {}).get("tags", [])
    ]
    if not tagged:
        raise InputError(
            f"notebook {path.name} has no cell tagged {PARAMETERS_TAG!r}; papermill would inject "
            f"the values at the top unchecked. Tag the cell that defines the notebook's "
            f"parameters (cell toolbar > Property Inspector > Cell Tags) in {path}"
        )
    if len(tagged) > 1:
        cells = ", ".join(str(i + 1) for i, _ in tagged)
        raise InputError(
            f"notebook {path.name} has {len(tagged)} cells tagged {PARAMETERS_TAG!r} (cells "
            f"{cells}); papermill injects after the first, so a later one would silently "
            f"overwrite the values. Keep one, in {path}"
        )
    index, cell = tagged[0]
    if cell.cell_type != "code":
        raise InputError(
            f"notebook {path.name}: the cell tagged {PARAMETERS_TAG!r} (cell {index + 1}) is a "
            f"{cell.cell_type} cell, not a code cell, in {path}"
        )


def _kernel_arguments(kernel_name: str) -> list[str]:
    """Refuse an unknown kernel; extra command-line arguments for a known one."""
    manager = KernelSpecManager()
    try:
        spec = manager.get_kernel_spec(kernel_name)
    except NoSuchKernel:
        known = ", ".join(sorted(manager.find_kernel_specs())) or "none"
        raise InputError(f"no Jupyter kernel named {kernel_name!r}; installed: {known}") from None
    # jupyter_client replaces a bare "python"/"python3" argv[0] with sys.executable, so the
    # python3 spec runs notebooks with this interpreter and its packages.
    log.debug("kernel %r starts %s", kernel_name, spec.argv)
    if any("ipykernel" in arg for arg in spec.argv):
        # The kernel inherits our environment; MPLBACKEND=Agg (common on servers and CI) would
        # make every chart vanish from the report. Force the inline backend: base64 PNGs.
        # The kernel's own start-up warnings (TCP transport) are noise in a scheduler's log.
        return ["--matplotlib=inline", "--IPKernelApp.log_level=CRITICAL"]
    return []


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _position_in_source(nb: nbformat.NotebookNode, index: int) -> int:
    """1-based position of executed cell ``index`` in the notebook as written (no injected cell)."""
    injected = sum(
        1 for cell in nb.cells[:index] if INJECTED_TAG in cell.get("metadata", {}).get("tags", [])
    )
    return index + 1 - injected


def _describe_cell(position: int, execution_count: int | None, source: str) -> str:
    prompt = f"In [{execution_count}]" if execution_count is not None else "never numbered"
    return f"at cell {position} ({prompt}: {_first_line(source)!r})"


def _read_saved(path: Path) -> nbformat.NotebookNode | None:
    """The notebook papermill saved, or None if there is none (or it is unreadable)."""
    try:
        return nbformat.read(path, as_version=4)
    except Exception:
        return None


def _stopped_cell(out_ipynb: Path) -> str | None:
    """For a run that died outside a cell error (timeout, dead kernel): the last cell started."""
    nb = _read_saved(out_ipynb)
    if nb is None:
        return None
    started = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.get("metadata", {}).get("papermill", {}).get("start_time")
    ]
    if not started:
        return None
    cell = nb.cells[started[-1]]
    return _describe_cell(
        _position_in_source(nb, started[-1]), cell.get("execution_count"), cell.source
    )


def run_notebook(
    notebook: Path | str,
    output_dir: Path | str,
    parameters: dict[str, Any],
    *,
    kernel_name: str = "python3",
    timeout: int = 600,
    kernel_manager: Any = None,
) -> RenderedNotebook:
    """Execute ``notebook`` with ``parameters`` into ``output_dir/<stem>.ipynb`` and render
    ``output_dir/<stem>.html``.

    ``timeout`` is per cell, in seconds. The kernel runs in the notebook's folder, but notebooks
    should not rely on that (use ``recon_lib.config`` paths). ``kernel_manager``: a running
    kernel to execute in (kept running afterwards; see :mod:`recon_lib.report.render`), instead
    of a new one started and stopped for this notebook.

    Raises:
        InputError: before anything runs, for a missing notebook, a notebook without exactly one
            code cell tagged ``parameters``, a parameter that cell does not define, or an unknown
            kernel.
        NotebookFailed: (a StepError) a cell raised, timed out or the kernel died; the partly
            executed notebook and its HTML are kept and described by ``exc.rendered``.
        StepError: the executed notebook could not be rendered offline.
    """
    notebook = Path(notebook).resolve()
    output_dir = Path(output_dir).resolve()
    parameters = dict(parameters or {})
    nb = _read_notebook(notebook)
    _check_parameters_cell(notebook, nb)

    accepted = pm.inspect_notebook(str(notebook))
    unknown = sorted(set(parameters) - set(accepted))
    if unknown:
        raise InputError(
            f"notebook {notebook.name} does not accept parameter(s) {', '.join(unknown)}; "
            f"its {PARAMETERS_TAG!r} cell defines: {', '.join(sorted(accepted)) or '(nothing)'}"
        )
    kernel_arguments = _kernel_arguments(kernel_name)

    name = notebook.stem
    title = notebook_title(nb, name)
    out_ipynb = output_dir / f"{name}.ipynb"
    out_html = output_dir / f"{name}.html"
    output_dir.mkdir(parents=True, exist_ok=True)
    for stale in (out_ipynb, out_html):  # never leave last run's report looking like this run's
        stale.unlink(missing_ok=True)

    log.info("running notebook %s with %s -> %s", notebook.name, parameters, out_ipynb)
    try:
        pm.execute_notebook(
            str(notebook),
            str(out_ipynb),
            parameters=parameters,
            kernel_name=kernel_name,
            progress_bar=False,
            log_output=False,
            cwd=str(notebook.parent),
            execution_timeout=timeout,
            extra_arguments=kernel_arguments,
            **({"km": kernel_manager} if kernel_manager is not None else {}),
        )
    except PapermillExecutionError as exc:
        executed = _read_saved(out_ipynb)
        position = exc.cell_index + 1
        if executed is not None:
            # papermill's index counts its injected cell, but not the banner cells it added after.
            position = _position_in_source(_without_banner(executed), exc.cell_index)
        where = _describe_cell(position, exc.exec_count, exc.source)
        reason = f"{exc.ename}: {_first_line(str(exc.evalue)) or '(no message)'}"
        _fail(notebook, title, out_ipynb, out_html, where, reason, exc)
    except Exception as exc:  # timeout, dead kernel, ...: papermill saved what ran so far
        where = _stopped_cell(out_ipynb) or "before any cell"
        reason = f"{type(exc).__name__}: {_first_line(str(exc)) or '(no message)'}"
        _fail(notebook, title, out_ipynb, out_html, where, reason, exc)

    export_html(out_ipynb, out_html, title=title, images_dir=notebook.parent)
    return RenderedNotebook(name=name, title=title, ipynb=out_ipynb, html=out_html)


def _without_banner(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The executed notebook without papermill's error-marker cells, as exc.cell_index counts."""
    trimmed = nbformat.from_dict(nb)
    trimmed.cells = [
        cell
        for cell in nb.cells
        if ERROR_MARKER_TAG not in cell.get("metadata", {}).get("tags", [])
    ]
    return trimmed


def _fail(
    notebook: Path,
    title: str,
    out_ipynb: Path,
    out_html: Path,
    where: str,
    reason: str,
    cause: BaseException,
) -> None:
    kept = []
    if out_ipynb.exists():
        kept.append(f"partly executed notebook: {out_ipynb}")
        try:
            export_html(out_ipynb, out_html, title=title, images_dir=notebook.parent)
            kept.append(f"report: {out_html}")
        except ReconError as render_exc:
            kept.append(f"rendering it failed: {render_exc}")
    message = f"notebook {notebook.name} failed {where}: {reason}"
    if kept:
        message += " (" + "; ".join(kept) + ")"
    rendered = RenderedNotebook(
        name=notebook.stem, title=title, ipynb=out_ipynb, html=out_html, ok=False, error=message
    )
    raise NotebookFailed(message, rendered) from cause
