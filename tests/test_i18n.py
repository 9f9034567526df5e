"""The language in use and the formats of numbers and dates (charts and reports only)."""

from __future__ import annotations

import datetime as dt

import pytest

from indicators import i18n


def test_language_follows_the_environment_then_english(monkeypatch):
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    assert i18n.default_language() == "en"
    monkeypatch.setenv("LANG", "fr_SN.UTF-8")
    assert i18n.default_language() == "fr"
    monkeypatch.setenv("LANGUAGE", "es_HN:fr")
    assert i18n.default_language() == "es"
    monkeypatch.setenv("LANGUAGE", "")
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")  # no catalog: English
    assert i18n.default_language() == "en"


def test_use_language_nests_and_refuses_unknown_languages():
    with i18n.use_language("fr"):
        assert i18n.language() == "fr"
        with i18n.use_language("es-HN"):
            assert i18n.language() == "es"
        assert i18n.language() == "fr"
    with pytest.raises(ValueError, match="fr, es"), i18n.use_language("xx"):
        pass


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", ("1,234.5", "12,345", "31 December 2024")),
    ("fr", ("1\u202f234,5", "12\u202f345", "31 décembre 2024")),
    ("es", ("1.234,5", "12.345", "31 de diciembre de 2024")),
])
def test_numbers_and_dates_in_the_language_conventions(lang, expected):
    with i18n.use_language(lang):
        got = (i18n.format_number(1234.5), i18n.format_number(12345.0),
               i18n.format_date(dt.date(2024, 12, 31)))
    assert got == expected
    assert i18n.format_number(float("nan")) == ""
