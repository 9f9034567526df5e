"""The notebooks: committed without outputs, short helpers only, and executed top to bottom."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))
MAX_HELPER_LINES = 6


def test_the_six_notebooks_exist():
    names = [p.stem for p in NOTEBOOKS]
    assert names == [
        "01_quickstart",
        "02_validate_and_fix",
        "03_country_report",
        "04_cross_country_comparison",
        "05_custom_parameters",
        "06_from_your_own_exports",
        "07_sample_surveys",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a code cell has outputs; strip them"
            assert cell.execution_count is None, f"{path.name}: execution counts left in"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_cell_states_purpose_inputs_outputs(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown"
    for word in ("Purpose", "Inputs", "Outputs"):
        assert word in first.source, f"{path.name}: first cell does not say {word}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_public_api_and_short_helpers_only(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                length = node.end_lineno - node.lineno + 1
                assert length <= MAX_HELPER_LINES, (
                    f"{path.name}: helper {node.name} has {length} lines; move it into the package"
                )
            module = getattr(node, "module", None) or ""
            if isinstance(node, ast.ImportFrom) and module.startswith("indicators."):
                pytest.fail(f"{path.name}: imports from {node.module}; use the public API")


@functools.cache
def _executed(path: Path):
    """The notebook executed top to bottom in a Jupyter kernel, as a user runs it (once per
    test session)."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    return nb


# What a figure or an axes looks like when the notebook shows only its text: "<Figure size
# 750x390 with 1 Axes>", "<Axes: title={...}>", a list of them, or a subclass of either.
FIGURE_TEXT = re.compile(r"^\[?<\w*(Figure|Axes)\b")
IMAGES = ("image/png", "image/svg+xml")
FIGURE_FUNCTIONS = re.compile(r"^(plot_\w+|indicator_table_figure)$")


def _code_cells(nb):
    """(index in the notebook, cell) of every code cell."""
    return [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]


def _ends_with_a_figure(source: str) -> bool:
    """Whether the cell's last statement is an expression giving a figure or an axes: a chart
    call (``charts.plot_*``, ``indicator_table_figure``) or ``something.figure``."""
    body = ast.parse(source).body
    if not body or not isinstance(body[-1], ast.Expr):
        return False
    node = body[-1].value
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Attribute) and node.attr == "figure":
        return True
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return bool(FIGURE_FUNCTIONS.match(name))
    return False


def _texts(out) -> list[str]:
    if out.get("output_type") == "stream":
        return [out.get("text", "")]
    data = out.get("data", {})
    return [str(data.get("text/plain", ""))]


@pytest.mark.slow
@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path):
    nb = _executed(path)
    errors = [
        out for cell in nb.cells if cell.cell_type == "code"
        for out in cell.get("outputs", []) if out.get("output_type") == "error"
    ]
    assert not errors


@pytest.mark.slow
@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_figure_displays_as_an_image(path):
    """A cell ending with a figure or an axes shows an image (PNG or SVG), and no output is
    only the text of a figure or an axes."""
    problems = []
    for i, cell in _code_cells(_executed(path)):
        rich = [o for o in cell.outputs if o.get("output_type") in ("execute_result",
                                                                     "display_data")]
        images = [o for o in rich if any(m in o.get("data", {}) for m in IMAGES)]
        bare = [t for o in rich if not any(m in o.get("data", {}) for m in IMAGES)
                for t in _texts(o) if FIGURE_TEXT.match(t)]
        if bare:
            problems.append(f"cell {i}: shows only the text {bare[0][:60]!r}")
        elif _ends_with_a_figure(cell.source) and not images:
            problems.append(f"cell {i}: ends with a figure but shows no image")
    assert not problems, f"{path.name}: " + "; ".join(problems)


@pytest.mark.slow
@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_output_holds_a_traceback_or_a_warning(path):
    problems = []
    for i, cell in _code_cells(_executed(path)):
        for out in cell.outputs:
            if out.get("output_type") == "error":
                problems.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                problems.append(f"cell {i} writes to stderr: {out.get('text', '')[:200]!r}")
            else:
                for text in _texts(out):
                    if "Traceback (most recent call last)" in text or "Warning:" in text:
                        problems.append(f"cell {i}: {text[:200]!r}")
    assert not problems, f"{path.name}: " + "; ".join(problems)
