"""Running work: the progress bar and worker processes."""

from __future__ import annotations

import io

import numpy as np
import pytest

from indicators import workers


def test_progress_bar_only_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        bar = workers.Progress(4, "compare", stream=stream)
        for _ in range(4):
            bar.step("chart")
    assert "[############################] 4/4 chart" in tty.getvalue()
    assert pipe.getvalue() == ""


def test_run_parallel_keeps_order_and_raises():
    assert workers.run_parallel(abs, [-3, 2, -1], jobs=2) == [3, 2, 1]
    with pytest.raises(TypeError):
        workers.run_parallel(abs, [1, "x"], jobs=2)
    assert workers.run_parallel(np.negative, [1], jobs=4) == [-1]
