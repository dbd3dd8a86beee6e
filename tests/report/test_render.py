"""render_sections: pages rendered by worker processes, each keeping one kernel across its
notebooks. A page never sees the previous page's names; a failing page is reported and the
others still render, in the order asked for."""

from __future__ import annotations

import nbformat
from report_helpers import write_notebook

from recon_lib.report.render import render_sections


def notebook(folder, name, code):
    params = nbformat.v4.new_code_cell('period = "2026-01"  # YYYY-MM')
    params.metadata["tags"] = ["parameters"]
    return write_notebook(folder / f"{name}.ipynb", [
        nbformat.v4.new_markdown_cell(f"# {name}"), params, nbformat.v4.new_code_cell(code)])


def outputs(path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []))


def test_one_kernel_serves_several_pages_and_each_starts_empty(tmp_path):
    first = notebook(tmp_path, "first", "leak = 1\nimport os\nprint('pid', os.getpid())")
    second = notebook(tmp_path, "second",
                      "import os\nprint('pid', os.getpid())\nprint('leak' in globals())\n"
                      "print(period)")
    pages = render_sections([first, second], tmp_path / "out", {"period": "2026-10"}, workers=1)
    assert [(p.name, error) for p, error in pages] == [("first", None), ("second", None)]
    one, two = (outputs(p.ipynb) for p, _ in pages)
    assert one.split()[1] == two.split()[1]          # the same kernel process
    assert two.split()[2:] == ["False", "2026-10"]   # no name of the first page; its own period
    assert all(p.html.exists() for p, _ in pages)


def test_pages_render_in_parallel_and_a_failure_stays_with_its_page(tmp_path):
    names = ["a", "broken", "b", "c"]
    paths = [notebook(tmp_path, n, "raise ValueError('no data')" if n == "broken"
                      else "print(period)") for n in names]
    pages = render_sections(paths, tmp_path / "out", {"period": "2026-11"}, workers=2)
    assert [p.name for p, _ in pages] == names
    errors = {p.name: error for p, error in pages}
    assert errors["a"] is None and errors["b"] is None and errors["c"] is None
    assert "ValueError: no data" in errors["broken"]
    broken = next(p for p, _ in pages if p.name == "broken")
    assert not broken.ok and broken.html.exists()  # the partial page is kept
    assert outputs(pages[-1][0].ipynb).strip() == "2026-11"
