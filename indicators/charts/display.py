"""How a figure looks (the house style) and how it shows itself in Jupyter.

The figures of the package are :class:`ChartFigure` objects, their Axes :class:`ChartAxes`,
and the panels of a multi-panel figure a :class:`ChartPanels` list. Each of them displays as
the whole figure when it is the last expression of a notebook cell, through IPython's rich
display protocol (``_repr_mimebundle_``): a PNG drawn at twice the figure's resolution and
shown at its size (sharp on high-density screens) and an SVG (glyphs drawn as paths, so it
looks the same whatever fonts the browser has) for the front ends that prefer it. The figure
carries its own display: nothing is registered with IPython, pyplot is never imported, and
importing the package changes no global state. Everything else is plain Matplotlib: a
ChartFigure is a :class:`matplotlib.figure.Figure`, a ChartAxes a
:class:`matplotlib.axes.Axes`.
"""

from __future__ import annotations

import contextlib
import io
import pickle
from importlib import resources

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = [
    "DISPLAY_FORMATS",
    "ChartAxes",
    "ChartFigure",
    "ChartPanels",
    "figure_bundle",
    "render",
    "style",
]

DISPLAY_FORMATS = ("png", "svg")
"""The images a figure offers a notebook, in this order (the front end shows one)."""
_MIME = {"png": "image/png", "svg": "image/svg+xml"}
_SCREEN_SCALE = 2  # PNG pixels per screen pixel


@contextlib.contextmanager
def style():
    """Context manager applying the package's chart style (``styles/jj.mplstyle``)."""
    path = resources.files("indicators").joinpath("styles", "jj.mplstyle")
    with resources.as_file(path) as p, mpl.rc_context(fname=str(p)):
        yield


def _copy(fig: Figure) -> Figure:
    """A copy to draw, so that showing a figure never changes it (drawing solves its layout
    again, from where the last drawing left it); the figure itself when it cannot be copied
    or belongs to pyplot (a copy would become a second pyplot figure)."""
    if getattr(fig.canvas, "manager", None) is not None:
        return fig
    try:
        return pickle.loads(pickle.dumps(fig))
    except Exception:  # an artist that cannot be pickled: draw the figure itself
        return fig


def render(fig: Figure, fmt: str) -> bytes:
    """The figure as ``png`` (twice its dpi) or ``svg`` (glyphs as paths) bytes, drawn in the
    house style from a copy: the figure saved afterwards gives the same file as one never
    shown."""
    if fmt not in _MIME:
        raise ValueError(f"cannot display a figure as {fmt!r}; use one of {DISPLAY_FORMATS}")
    fig = _copy(fig)
    buf = io.BytesIO()
    with style():
        if fmt == "png":
            fig.savefig(buf, format="png", dpi=_SCREEN_SCALE * fig.dpi)
        else:
            with mpl.rc_context({"svg.fonttype": "path"}):
                fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels, from the PNG header (IHDR)."""
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def figure_bundle(fig: Figure, include=None, exclude=None) -> tuple[dict, dict]:
    """IPython's mime bundle of a figure: (data, metadata) for each format of
    ``fig.display_formats`` (default :data:`DISPLAY_FORMATS`) that ``include`` / ``exclude``
    let through; the PNG's metadata sets its displayed size to half its pixels."""
    data: dict = {}
    metadata: dict = {}
    for fmt in getattr(fig, "display_formats", DISPLAY_FORMATS):
        mime = _MIME[fmt]
        if (include and mime not in include) or (exclude and mime in exclude):
            continue
        image = render(fig, fmt)
        if fmt == "png":
            width, height = _png_size(image)
            data[mime] = image
            metadata[mime] = {"width": width // _SCREEN_SCALE, "height": height // _SCREEN_SCALE}
        else:
            data[mime] = image.decode("utf-8")
    return data, metadata


class _ShowsItsFigure:
    """Rich display of the figure an object belongs to (IPython's ``_repr_*_`` protocol)."""

    def _figure_to_show(self) -> Figure:  # pragma: no cover - each class gives its own
        raise NotImplementedError

    def _repr_mimebundle_(self, include=None, exclude=None):
        return figure_bundle(self._figure_to_show(), include, exclude)

    def _repr_png_(self):
        data, metadata = figure_bundle(self._figure_to_show(), include={_MIME["png"]})
        return data[_MIME["png"]], metadata[_MIME["png"]]

    def _repr_svg_(self):
        data, _ = figure_bundle(self._figure_to_show(), include={_MIME["svg"]})
        return data[_MIME["svg"]]


class ChartFigure(_ShowsItsFigure, Figure):
    """A Matplotlib figure that shows itself in Jupyter (PNG and SVG), pyplot or not.

    Set ``display_formats`` on a figure (e.g. ``("png",)``) to offer fewer formats.
    """

    display_formats = DISPLAY_FORMATS

    def _figure_to_show(self) -> Figure:
        return self


class ChartAxes(_ShowsItsFigure, Axes):
    """Matplotlib Axes that show their whole figure in Jupyter (a chart's return value)."""

    def _figure_to_show(self) -> Figure:
        return self.get_figure(root=True)


class ChartPanels(_ShowsItsFigure, list):
    """The Axes of a multi-panel figure, in order (a list), shown as the figure in Jupyter.

    Attributes
    ----------
    figure : Figure
        The figure the panels are drawn on.
    """

    @property
    def figure(self) -> Figure:
        return self[0].get_figure(root=True)

    def _figure_to_show(self) -> Figure:
        return self.figure
