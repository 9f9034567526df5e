"""The user's language: message catalogs (gettext) and numbers and dates in its conventions.

Every sentence a user reads (chart titles and footnotes, report pages, validation messages,
template comments, command-line messages) goes through :func:`gettext` (imported as ``_``).
The catalogs are standard gettext files managed with Babel, under ``indicators/locale/``:
``jj_indicators.pot`` (extracted from the code), ``<lang>/LC_MESSAGES/jj_indicators.po``
(translations) and the compiled ``.mo`` files shipped with the package. The user documentation
(docs/languages.md) says how to add a language: one more ``.po`` file and a column of names
(``name_<lang>``, ``definition_<lang>``) in ``definitions.toml``.

The language is chosen, most explicit first, by ``use_language(lang)`` (the ``lang=`` argument
of the API and ``--lang`` of every command), then by the environment (``LANGUAGE``, ``LC_ALL``,
``LC_MESSAGES``, ``LANG``, as gettext reads them), then English. Data files never depend on
it: codes, ISO dates and dot decimals are the same in every language; only charts and reports
format numbers and dates the language's way (:func:`format_number`, :func:`format_date`).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as _dt
import gettext as _gettext
import math
import os
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "N_",
    "default_language",
    "format_date",
    "format_number",
    "gettext",
    "language",
    "ngettext",
    "use_language",
]

DOMAIN = "jj_indicators"
LANGUAGES = ("en", "fr", "es")
"""Languages with a catalog; English is the language of the code (msgids)."""

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("jj_language",
                                                                     default=None)


def _normalise(code: str | None) -> str | None:
    """``fr_SN.UTF-8`` -> ``fr``; None for an empty or unknown code."""
    if not code:
        return None
    lang = code.split(":")[0].split(".")[0].split("@")[0].replace("-", "_").split("_")[0]
    lang = lang.lower()
    return lang if lang in LANGUAGES else None


def default_language() -> str:
    """The language of the environment (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), else English."""
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            for part in value.split(":"):
                lang = _normalise(part)
                if lang:
                    return lang
            if var != "LANGUAGE":  # the first set variable decides, as gettext does
                return "en"
    return "en"


def language() -> str:
    """The language in use: the innermost :func:`use_language`, else the environment's."""
    return _current.get() or default_language()


def check_language(lang: str) -> str:
    """``lang`` if a catalog exists for it (``en``, ``fr``, ``es``), else a ValueError."""
    norm = _normalise(lang)
    if norm is None:
        raise ValueError(f"language {lang!r} is not available; choose one of "
                         f"{', '.join(LANGUAGES)}")
    return norm


@contextlib.contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    """Use ``lang`` for every message and format inside the ``with`` block (None: leave the
    language as it is)."""
    if lang is None:
        yield language()
        return
    token = _current.set(check_language(lang))
    try:
        yield language()
    finally:
        _current.reset(token)


@lru_cache(maxsize=8)
def _translations(lang: str) -> _gettext.NullTranslations:
    if lang == "en":
        return _gettext.NullTranslations()
    folder = resources.files(__package__).joinpath("locale")
    with resources.as_file(folder) as path:
        return _gettext.translation(DOMAIN, localedir=str(path), languages=[lang],
                                    fallback=True)


def gettext(message: str) -> str:
    """``message`` in the language in use (itself where no translation exists)."""
    return _translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the language in use."""
    return _translations(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a constant for extraction; translate it later with :func:`gettext`."""
    return message


# --------------------------------------------------------------------------- formats


def format_number(value, digits: int = 1, *, grouping: bool = True) -> str:
    """A number for a chart or a report: ``1,234.5`` in English, ``1 234,5`` in French (a
    narrow no-break space), ``1.234,5`` in Spanish (Babel's CLDR conventions); whole numbers
    without decimals; '' for a missing value."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return ""
    if math.isnan(x):
        return ""
    places = 0 if digits == 0 or x == round(x) else digits
    lang = language()
    if lang == "en":
        return f"{x:,.{places}f}" if grouping else f"{x:.{places}f}"
    from babel import Locale
    from babel.numbers import parse_pattern

    locale = Locale.parse(lang)
    pattern = parse_pattern(locale.decimal_formats[None].pattern if grouping else "0")
    pattern.frac_prec = (places, places)
    return pattern.apply(x, locale)


def format_date(day, *, style: str = "long") -> str:
    """A day written out for a report: ``31 December 2024``, ``31 décembre 2024``,
    ``31 de diciembre de 2024`` (Babel's CLDR formats); '' for a missing day."""
    if day is None or (isinstance(day, float) and math.isnan(day)):
        return ""
    if hasattr(day, "to_pydatetime"):
        try:
            day = day.to_pydatetime()
        except ValueError:
            return ""
    if isinstance(day, str):
        try:
            day = _dt.date.fromisoformat(day[:10])
        except ValueError:
            return day
    if isinstance(day, _dt.datetime):
        day = day.date()
    lang = language()
    if lang == "en":
        return f"{day.day} {day.strftime('%B')} {day.year}"
    from babel.dates import format_date as babel_date

    return babel_date(day, format=style, locale=lang)
