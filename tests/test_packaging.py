"""Packaging: pyproject.toml and environment.yml agree; the entry points work."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]

# PyPI name -> conda-forge name where they differ.
CONDA_NAMES = {"matplotlib": "matplotlib-base", "pandera": "pandera-base",
               "duckdb": "python-duckdb"}
PYPI_NAMES = {v: k for k, v in CONDA_NAMES.items()}

_REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*?)\s*$")


def _split(requirement: str) -> tuple[str, str]:
    """('name', 'specifier') of a requirement such as 'pandas>=2.1' (markers ignored)."""
    m = _REQ.match(requirement.split(";")[0])
    assert m, requirement
    return m.group(1).lower().replace("_", "-"), m.group(3).replace(" ", "")


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        reqs += extra
    out: dict[str, str] = {}
    for req in reqs:
        name, spec = _split(req)
        assert out.get(name, spec) == spec, f"{name} pinned differently in two extras"
        out[name] = spec
    return out


def environment_requirements() -> tuple[dict[str, str], str]:
    """Conda dependencies of environment.yml (without python/pip) and the python pin.

    A small line parser: the file is a flat list, and PyYAML is not a dependency.
    """
    deps: dict[str, str] = {}
    python = ""
    in_deps = False
    for raw in (ROOT / "environment.yml").read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line:
            continue
        if not line.startswith(" "):
            in_deps = line.startswith("dependencies:")
            continue
        item = line.strip()
        if not in_deps or not item.startswith("- ") or raw.startswith("      "):
            continue  # nested pip: entries
        item = item[2:].strip()
        if item in ("pip", "pip:"):
            continue
        name, spec = _split(item)
        if name == "python":
            python = spec
        else:
            deps[name] = spec
    return deps, python


def test_environment_mirrors_pyproject():
    pyproject = pyproject_requirements()
    conda, _ = environment_requirements()
    expected = {CONDA_NAMES.get(name, name): spec for name, spec in pyproject.items()}
    assert conda == expected


def test_mapping_both_ways():
    pyproject = pyproject_requirements()
    conda, _ = environment_requirements()
    back = {PYPI_NAMES.get(name, name): spec for name, spec in conda.items()}
    assert back == pyproject
    for pypi, conda_name in CONDA_NAMES.items():
        assert (pypi in pyproject) == (conda_name in conda), pypi
        assert pypi not in conda, f"environment.yml should use {conda_name}, not {pypi}"


def test_python_version_agrees():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    _, python = environment_requirements()
    assert python == project["requires-python"].replace(" ", "")


def test_extras_and_script():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert {"test", "notebooks", "bench"} <= set(project["optional-dependencies"])
    assert project["scripts"]["jj-indicators"] == "indicators.cli:main"


def test_python_m_indicators_help():
    done = subprocess.run([sys.executable, "-m", "indicators", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "jj-indicators" in done.stdout and "validate" in done.stdout


def test_ruff_is_clean():
    """The lint configuration of pyproject.toml holds for the whole repository."""
    import shutil

    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (it comes with the test extra)")
    done = subprocess.run(
        [ruff, "check", "--output-format", "concise", "."],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_shipped_worked_example_matches_the_specification():
    """tests/data/worked-example is a copy of the spec's; where the spec is at hand, compare."""
    from conftest import SPEC_WORKED_EXAMPLE, WORKED_EXAMPLE

    if not SPEC_WORKED_EXAMPLE.is_dir():
        pytest.skip("the specification folder ../shared/spec is not beside this clone")
    spec = sorted(p.name for p in SPEC_WORKED_EXAMPLE.iterdir())
    assert sorted(p.name for p in WORKED_EXAMPLE.iterdir()) == spec
    for name in spec:
        shipped = (WORKED_EXAMPLE / name).read_bytes()
        assert shipped == (SPEC_WORKED_EXAMPLE / name).read_bytes(), name


def test_imports_follow_the_layers():
    """The layering contracts of pyproject.toml ([tool.importlinter]) hold: no room imports a
    room above it (import-linter, in a fresh process so that its cache sees the files)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    done = subprocess.run(
        [sys.executable, "-c",
         "import sys; from importlinter.cli import lint_imports; "
         "sys.exit(lint_imports(no_cache=True))"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(contracts)} kept, 0 broken" in done.stdout
