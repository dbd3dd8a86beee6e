"""Render the period's section notebooks: in parallel, each worker keeping one kernel.

A notebook's fixed cost is mostly its kernel's start and its imports (pandas, DuckDB,
matplotlib, recon_lib): paid once per worker here, not once per page. Each worker is its own
process (papermill changes the working directory while it runs, so two in one process would
race) and runs its notebooks one after another in one kernel, whose namespace is emptied before
each notebook (``%reset -f``, figures closed): a page never sees the previous page's variables,
only its already-imported modules. ``workers=1`` is the same in this process.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from recon_lib.report.notebooks import NotebookFailed, RenderedNotebook, run_notebook

log = logging.getLogger(__name__)

RESET = ("get_ipython().run_line_magic('reset', '-f')\n"
         "import matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt\n")
"""Run in the kernel before each notebook: the previous page's names and figures gone."""

_kernel: list[Any] = []  # this process's kernel manager, started on first use


def default_workers() -> int:
    """One worker per core, at most 3 (more kernels than cores only wait on each other)."""
    return max(1, min(3, os.cpu_count() or 1))


def _kernel_manager(cwd: Path):
    from jupyter_client.manager import KernelManager

    if not _kernel:
        km = KernelManager(kernel_name="python3")
        km.start_kernel(cwd=str(cwd), extra_arguments=["--matplotlib=inline",
                                                       "--IPKernelApp.log_level=CRITICAL"])
        _kernel.append(km)
        atexit.register(_stop_kernel)
    return _kernel[0]


def _stop_kernel() -> None:
    while _kernel:
        km = _kernel.pop()
        try:
            km.shutdown_kernel(now=True)
        except Exception:  # the kernel may already be gone with its worker
            log.debug("kernel already stopped", exc_info=True)


def _reset(km) -> None:
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        reply = kc.execute_interactive(RESET, timeout=60, store_history=False)
        if reply["content"].get("status") != "ok":
            raise RuntimeError(f"could not reset the kernel: {reply['content']}")
    finally:
        kc.stop_channels()


def render_one(notebook: str, out_dir: str, parameters: dict[str, Any]
               ) -> tuple[RenderedNotebook, str | None]:
    """Run one notebook in this process's kernel: (page, None), or (partial page, why it
    failed). A dead kernel is replaced for the next notebook."""
    notebook_path = Path(notebook)
    km = _kernel_manager(notebook_path.parent)
    try:
        _reset(km)
        return run_notebook(notebook_path, out_dir, parameters, kernel_manager=km), None
    except NotebookFailed as exc:
        if not km.is_alive():
            _stop_kernel()
        return exc.rendered, str(exc)


def render_sections(notebooks: Sequence[Path], out_dir: Path, parameters: dict[str, Any], *,
                    workers: int | None = None) -> list[tuple[RenderedNotebook, str | None]]:
    """Every notebook's page, in the given order, rendered by ``workers`` processes."""
    workers = default_workers() if workers is None else workers
    jobs = [(str(n), str(out_dir), dict(parameters)) for n in notebooks]
    if workers <= 1 or len(jobs) <= 1:
        try:
            return [render_one(*job) for job in jobs]
        finally:
            _stop_kernel()
    # spawn: a forked child would inherit this process's DuckDB and logging threads
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context,
                             initializer=_quiet, initargs=(log.getEffectiveLevel(),)) as pool:
        futures = [pool.submit(render_one, *job) for job in jobs]
        return [f.result() for f in futures]


def _quiet(level: int) -> None:
    logging.getLogger("recon_lib").setLevel(level)
