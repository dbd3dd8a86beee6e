"""run_notebook: real papermill executions (three in all: good, failing, timing out) plus the
refusals that must happen before anything runs."""

from __future__ import annotations

import re
import sys
import time

import nbformat
import papermill
import pytest
from report_helpers import FIXTURES, write_notebook

from recon_lib.errors import InputError, StepError
from recon_lib.report import (
    NotebookFailed,
    RenderedNotebook,
    external_resources,
    notebook_parameters,
    run_notebook,
)

GOOD = FIXTURES / "good_report.ipynb"
FAILING = FIXTURES / "failing_report.ipynb"
SLOW = FIXTURES / "slow_report.ipynb"
NO_PARAMETERS = FIXTURES / "no_parameters.ipynb"


@pytest.fixture
def no_execution(monkeypatch):
    """Make any attempt to execute a notebook fail the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("papermill.execute_notebook must not be called")

    monkeypatch.setattr(papermill, "execute_notebook", refuse)


# --- refused before execution ---------------------------------------------------------------


def test_notebook_parameters_reads_the_parameters_cell():
    params = notebook_parameters(GOOD)
    assert set(params) == {"period", "tolerance"}
    assert params["period"]["help"] == "YYYY-MM"
    assert params["period"]["default"] == '"2026-01"'


def test_unknown_parameter_is_refused_before_execution(tmp_path, no_execution):
    out = tmp_path / "out"
    with pytest.raises(InputError) as info:
        run_notebook(GOOD, out, {"period": "2026-10", "perod": "2026-10", "tolerence": 1})
    message = str(info.value)
    assert "good_report.ipynb" in message
    assert "perod" in message and "tolerence" in message  # the unknown names
    assert "period" in message.split("defines:")[1] and "tolerance" in message  # accepted names
    assert not out.exists()  # nothing was written, not even the folder


def test_notebook_without_parameters_cell_is_refused(tmp_path, no_execution):
    out = tmp_path / "out"
    with pytest.raises(InputError, match=r"no_parameters\.ipynb has no cell tagged 'parameters'"):
        run_notebook(NO_PARAMETERS, out, {"period": "2026-10"})
    assert not out.exists()


def test_notebook_without_parameters_cell_is_refused_even_without_parameters(tmp_path):
    with pytest.raises(InputError, match="no cell tagged 'parameters'"):
        run_notebook(NO_PARAMETERS, tmp_path / "out", {})


def test_two_parameters_cells_are_refused(tmp_path, no_execution):
    tagged = {"tags": ["parameters"]}
    nb = write_notebook(
        tmp_path / "twice.ipynb",
        [
            nbformat.v4.new_code_cell('period = "2026-01"', metadata=tagged),
            nbformat.v4.new_code_cell('period = "2026-02"', metadata=tagged),
        ],
    )
    with pytest.raises(InputError, match=r"2 cells tagged 'parameters' \(cells 1, 2\)"):
        run_notebook(nb, tmp_path / "out", {"period": "2026-10"})


def test_unknown_kernel_is_refused(tmp_path, no_execution):
    with pytest.raises(InputError, match="no Jupyter kernel named 'no-such-kernel'"):
        run_notebook(GOOD, tmp_path / "out", {"period": "2026-10"}, kernel_name="no-such-kernel")


def test_missing_notebook_is_refused(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        run_notebook(tmp_path / "nope.ipynb", tmp_path / "out", {})


def test_run_that_dies_before_any_cell_leaves_no_stale_report(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    for stale in ("good_report.ipynb", "good_report.html"):
        (out / stale).write_text("LAST MONTH", encoding="utf-8")

    def kernel_dies(*args, **kwargs):
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(papermill, "execute_notebook", kernel_dies)
    with pytest.raises(NotebookFailed) as info:
        run_notebook(GOOD, out, {"period": "2031-07"})
    assert str(info.value) == (
        "notebook good_report.ipynb failed before any cell: "
        "RuntimeError: Kernel died before replying to kernel_info"
    )
    assert info.value.rendered.ok is False
    assert list(out.iterdir()) == []  # last month's files must not pass for this run's


# --- a good notebook --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("good") / "2031-07"
    # A server or CI often sets MPLBACKEND=Agg; the kernel inherits it and charts would vanish
    # unless run_notebook forces the inline backend.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MPLBACKEND", "Agg")
        rendered = run_notebook(GOOD, out, {"period": "2031-07"})
    return out, rendered


@pytest.mark.slow
def test_good_notebook_result(good_run):
    out, rendered = good_run
    assert rendered == RenderedNotebook(
        name="good_report",
        title="Orders & shipments — 月度对账",
        ipynb=out / "good_report.ipynb",
        html=out / "good_report.html",
        ok=True,
        error=None,
    )
    assert rendered.ipynb.is_file() and rendered.html.is_file()


@pytest.mark.slow
def test_good_notebook_html_content(good_run):
    _, rendered = good_run
    html = rendered.html.read_text(encoding="utf-8")
    assert "<title>Orders &amp; shipments — 月度对账</title>" in html
    assert "Period under review: 2031-07" in html  # the injected value reached the output
    assert 'class="dataframe"' in html and "SKU-TABLE-0001" in html and "退货未入库" in html
    assert re.search(r'<img [^>]*src="data:image/png;base64,', html), "chart not embedded"
    assert "SOURCE_ONLY_MARKER" not in html  # inputs hidden
    assert "tolerance: float" not in html  # the parameters cell too
    assert 'class="jp-InputPrompt' not in html and 'class="jp-OutputPrompt' not in html
    assert 'href="https://papermill.readthedocs.io"' in html  # plain links are kept
    assert external_resources(html) == []
    assert "<script src" not in html


@pytest.mark.slow
def test_good_notebook_ran_on_this_interpreter(good_run):
    _, rendered = good_run
    nb = nbformat.read(rendered.ipynb, as_version=4)
    assert nb.metadata.papermill.parameters == {"period": "2031-07"}
    printed = "".join(
        output.get("text", "") for cell in nb.cells for output in cell.get("outputs", [])
    )
    assert f"Kernel interpreter: {sys.executable}\n" in printed


# --- failures ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_failing_notebook_keeps_its_output_and_names_the_cell(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(StepError) as info:
        run_notebook(FAILING, out, {"period": "2031-07"})
    exc = info.value
    message = str(exc)
    assert message.startswith("notebook failing_report.ipynb failed at cell 3 (In [3]: ")
    assert 'totals = {"orders": 3}  # the cell that breaks' in message  # first source line
    assert "ValueError: ledger mismatch in 2031-07" in message

    ipynb, html_path = out / "failing_report.ipynb", out / "failing_report.html"
    assert ipynb.is_file() and html_path.is_file()
    assert isinstance(exc, NotebookFailed)
    assert exc.rendered == RenderedNotebook(
        "failing_report", "Failing report", ipynb, html_path, ok=False, error=message
    )

    nb = nbformat.read(ipynb, as_version=4)
    assert "papermill-error-cell-tag" in nb.cells[0].metadata.get("tags", [])  # the banner
    outputs = [o for cell in nb.cells for o in cell.get("outputs", [])]
    assert not any("AFTER_FAILURE_MARKER" in o.get("text", "") for o in outputs)  # stopped

    html = html_path.read_text(encoding="utf-8")
    # papermill's red banner survives rendering, with its link to the failing cell
    assert re.search(
        r'<span style="color:red;[^"]*">An Exception was encountered at '
        r"'<a href=\"#papermill-error-cell\">In \[3\]</a>'",
        html,
    )
    assert '<span id="papermill-error-cell"' in html
    assert "ledger mismatch in 2031-07" in html  # and the traceback
    assert external_resources(html) == []


@pytest.mark.slow
def test_timed_out_notebook_fails_like_a_raising_one(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "slow_report.html").write_text("STALE REPORT FROM AN EARLIER RUN", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(NotebookFailed) as info:
        run_notebook(SLOW, out, {"period": "2031-07"}, timeout=2)
    assert time.monotonic() - started < 60  # the cell sleeps 120 s; the timeout stopped it
    message = str(info.value)
    assert message.startswith("notebook slow_report.ipynb failed at cell 2 (In [3]: ")
    assert "# waits far longer than the timeout the test gives" in message
    assert "CellTimeoutError" in message
    html = (out / "slow_report.html").read_text(encoding="utf-8")
    assert "STALE REPORT" not in html
    assert (out / "slow_report.ipynb").is_file()
