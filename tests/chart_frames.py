"""Frames and artist probes shared by the chart tests (tests/test_charts_*.py).

Frames are built with ``from_counts`` (aggregate input), so every value, interval and flag
comes from the same path the published reference figures take.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.container import ErrorbarContainer
from matplotlib.testing.compare import compare_images

from indicators import charts
from indicators.counts import from_counts

BASELINE = Path(__file__).parent / "baseline"

LONG_NAME = "The Very Long Official Name of a Federated Republic of Examples"


def _countries(n: int = 22) -> list[dict]:
    out = []
    for i in range(n):
        code = f"C{i:02d}"
        out.append({
            "country": code,
            "country_name": LONG_NAME if i == 0 else f"Country {code}",
            "region": ["Region North (test)", "Region South (test)", "Islands (test)"][i % 3],
            "source": "Test ministry, 2024",
        })
    return out


def comparison_frame() -> pd.DataFrame:
    """22 countries with JJ02, JJ03, JJ09, JJ10, JJ14 and JJ12a/JJ13a/JJ15, JJ12b/JJ13b.

    C03: small numerator (3 children); C04: national definition differs; C05: JJ02 not
    available (empty count); C06 has no JJ02 row at all; C07: JJ02 suppressed.
    """
    rows = []
    for i, c in enumerate(_countries()):
        pop = 100_000 + 25_000 * i
        base = {**c, "period": "2024", "group": "all", "notes": ""}
        if c["country"] != "C06":
            num = {"C03": 3, "C05": "-"}.get(c["country"], 10 + 7 * i)
            notes = "National definition differs: counts welfare homes." if i == 4 else ""
            rows.append({**base, "indicator": "JJ02", "numerator": num, "denominator": pop,
                         "notes": notes})
        rows.append({**base, "indicator": "JJ03", "numerator": 5 + i, "denominator": pop})
        rows.append({**base, "indicator": "JJ09", "numerator": 4 + i, "denominator": 40 + i})
        rows.append({**base, "indicator": "JJ10", "numerator": 20 + i, "denominator": 60 + i})
        rows.append({**base, "indicator": "JJ14", "value": "yes" if i % 4 else "no"})
        rows.append({**base, "indicator": "JJ12a", "value": "" if i % 5 == 0 else "yes"})
        rows.append({**base, "indicator": "JJ13a", "value": "no"})
        rows.append({**base, "indicator": "JJ15", "value": "yes"})
        rows.append({**base, "indicator": "JJ12b", "numerator": 3, "denominator": 6})
        rows.append({**base, "indicator": "JJ13b", "numerator": 5, "denominator": 6})
    frame = from_counts(pd.DataFrame(rows).astype(str).replace("nan", ""))
    # C07's JJ02 as public disclosure control leaves it: value and interval blanked.
    m = (frame["country"] == "C07") & (frame["indicator"] == "JJ02")
    frame.loc[m, ["value", "numerator", "ci_lower", "ci_upper"]] = np.nan
    frame.loc[m, "flags"] = "suppressed"
    return frame


def markers(ax) -> int:
    return sum(len(c.get_offsets()) for c in ax.collections if c.get_gid() == "jj-markers")


def whiskers(ax) -> list[LineCollection]:
    out = []
    for cont in ax.containers:
        if isinstance(cont, ErrorbarContainer):
            out.extend(a for a in cont.lines[2] if isinstance(a, LineCollection))
    return out


def bboxes_overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def assert_matches_baseline(name: str, fig, tmp_path: Path) -> None:
    """Regenerate with JJ_UPDATE_BASELINES=1 after an intended change (and look at them)."""
    actual = tmp_path / f"{name}.png"
    with charts.style():
        fig.savefig(actual, dpi=60)
    expected = BASELINE / f"{name}.png"
    if os.environ.get("JJ_UPDATE_BASELINES"):
        BASELINE.mkdir(exist_ok=True)
        expected.write_bytes(actual.read_bytes())
    assert expected.is_file(), f"missing baseline {expected}"
    result = compare_images(str(expected), str(actual), tol=6)
    assert result is None, result
