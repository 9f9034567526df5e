"""Word-sized SVG charts in the HTML views of results and validation reports."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

import pandas as pd
from conftest import WORKED_EXAMPLE

from indicators.compute import compute_indicators
from indicators.reading import read_dataset
from indicators.sparks import bar_svg, interval_svg
from indicators.validation import validate_dataset

SVG = "{http://www.w3.org/2000/svg}"


def test_interval_is_drawn_on_its_scale():
    root = ET.fromstring(interval_svg(25.0, 10.0, 50.0, 100.0, width=106))
    whisker = root.findall(f"{SVG}line")[1]
    # pad 3, usable width 100: 10 -> 13, 50 -> 53; the dot at 25 -> 28
    assert (float(whisker.get("x1")), float(whisker.get("x2"))) == (13.0, 53.0)
    dot = root.find(f"{SVG}circle")
    assert float(dot.get("cx")) == 28.0 and dot.get("fill") != "white"
    assert root.find(f"{SVG}title").text == "25 (10 to 50)"


def test_hollow_missing_and_out_of_scale_values():
    assert ET.fromstring(interval_svg(5, 1, 9, 10, hollow=True)).find(
        f"{SVG}circle").get("fill") == "white"
    empty = ET.fromstring(interval_svg(float("nan"), None, None, 10))
    assert empty.find(f"{SVG}circle") is None and empty.find(f"{SVG}title").text == "no value"
    clipped = ET.fromstring(interval_svg(500, 400, 600, 100, width=106))
    assert float(clipped.find(f"{SVG}circle").get("cx")) == 103.0


def test_bar_is_a_share_of_the_largest():
    rect = ET.fromstring(bar_svg(5, 20, width=80)).find(f"{SVG}rect")
    assert float(rect.get("width")) == 20.0
    assert ET.fromstring(bar_svg(0, 20)).find(f"{SVG}rect").get("width") == "0.0"


def test_results_html_has_one_spark_per_row():
    res = compute_indicators(read_dataset(WORKED_EXAMPLE))
    page = res._repr_html_()
    assert page.count("<svg") == len(res.indicators)
    ET.fromstring(re.search(r"<svg.*?</svg>", page).group(0))  # well-formed


def test_validation_html_has_a_bar_per_rule(make_dataset, small_metadata, small_frames):
    small_frames["children"].loc[0, "sex"] = "X"
    report = validate_dataset(make_dataset(small_metadata, small_frames))
    page = report._repr_html_()
    assert page.count("<svg") == len(report.by_rule())
    assert html.escape("not in the column's code list") in page
    assert isinstance(report.by_rule(), pd.DataFrame)
