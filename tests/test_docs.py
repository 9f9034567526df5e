"""The user documentation (docs/, mkdocs.yml) builds in strict mode with its stable anchors.

Strict mode turns every warning into a failure: a link to a page or an anchor that does not
exist, a page missing from the navigation, a marker the generating hook does not know.
"""

from __future__ import annotations

import argparse
import collections
import re
import subprocess
import sys
from pathlib import Path

import pytest

from indicators.cli import build_parser
from indicators.parameters import PARAMETERS
from indicators.registry import declaration, load_definitions

ROOT = Path(__file__).parents[1]
_ID = re.compile(r'\sid="([^"]+)"')


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def _page(site: Path, name: str) -> str:
    return (site / name / "index.html").read_text(encoding="utf-8")


def test_every_indicator_has_its_anchor(site):
    ids = set(_ID.findall(_page(site, "indicators")))
    missing = [spec.id for spec in load_definitions() if spec.id.lower() not in ids]
    assert not missing, f"docs/indicators.md has no section {{#...}} for {missing}"


def test_every_command_is_in_the_cli_page(site):
    html = _page(site, "cli")
    ids = set(_ID.findall(html))
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert sub.choices
    for name, command in sub.choices.items():
        assert name in ids, name
        assert f"jj-indicators {name}" in html, name
        for action in command._actions:
            for option in action.option_strings:
                assert option in html, f"{name} {option}"


def test_every_parameter_and_flag_has_its_anchor(site):
    params = set(_ID.findall(_page(site, "parameters")))
    assert not [p.name for p in PARAMETERS if p.name not in params]
    flags = set(_ID.findall(_page(site, "outputs")))
    assert not [f.code for f in declaration().flags if f.code not in flags]


def test_anchors_are_unique_on_every_page(site):
    for page in sorted(site.glob("*/index.html")):
        counts = collections.Counter(_ID.findall(page.read_text(encoding="utf-8")))
        assert not [i for i, n in counts.items() if n > 1], page.parent.name


def test_generated_parts_render_as_markdown(site):
    """A generated part glued to the text after it would show Markdown syntax as text."""
    for page in sorted(site.glob("*/index.html")):
        html = page.read_text(encoding="utf-8")
        main = html[html.index('role="main"') :]
        text = re.sub(r"<(pre|code)\b.*?</\1>", "", main, flags=re.S)
        for syntax in ("**", "###", "generate:", "| ---"):
            assert syntax not in text, f"{page.parent.name}: {syntax!r} left as text"


def test_pages_stand_on_their_own():
    """The pages replace the specification for users: they never send readers outside docs/."""
    for page in sorted((ROOT / "docs").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        assert "shared/spec" not in text and "](../" not in text, page.name
