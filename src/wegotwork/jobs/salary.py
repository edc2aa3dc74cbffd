"""Pay on a posting: which currencies are accepted and how a range reads.

Currencies are the current ISO 4217 list (pycountry), never free text. Amounts are formatted
by Babel for the currency and for the page's language in the job's country (English with
German conventions for a job in Germany: ``60.000 €``), so no separators are written by hand.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import pycountry
from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_name

from wegotwork.models import SalaryInterval

LANGUAGE = "en"
SALARY_MAX = 1_000_000_000

INTERVAL_LABELS: dict[SalaryInterval, str] = {
    SalaryInterval.HOUR: "an hour",
    SalaryInterval.DAY: "a day",
    SalaryInterval.WEEK: "a week",
    SalaryInterval.MONTH: "a month",
    SalaryInterval.YEAR: "a year",
}
INTERVAL_NAMES: dict[SalaryInterval, str] = {
    SalaryInterval.HOUR: "Per hour",
    SalaryInterval.DAY: "Per day",
    SalaryInterval.WEEK: "Per week",
    SalaryInterval.MONTH: "Per month",
    SalaryInterval.YEAR: "Per year",
}


@cache
def currency_codes() -> frozenset[str]:
    """Every current ISO 4217 code."""
    return frozenset(currency.alpha_3 for currency in pycountry.currencies)


@cache
def currency_choices() -> tuple[tuple[str, str], ...]:
    """(code, "EUR — Euro") for the editor's list, sorted by code."""
    return tuple(
        (code, f"{code} — {get_currency_name(code, locale=LANGUAGE)}")
        for code in sorted(currency_codes())
    )


def currency_code(value: str) -> str | None:
    """The upper-case code when ``value`` is a current ISO 4217 currency, else None."""
    code = value.strip().upper()
    return code if code in currency_codes() else None


@cache
def _locale(country: str | None) -> Locale:
    if country:
        try:
            return Locale.parse(f"{LANGUAGE}_{country.upper()}")
        except (UnknownLocaleError, ValueError):
            pass
    return Locale.parse(LANGUAGE)


@cache
def _whole_pattern(locale: Locale) -> str:
    """The locale's currency pattern without decimals (salaries are whole amounts)."""
    pattern = locale.currency_formats["standard"].pattern.split(";")[0]
    return re.sub(r"\.[0#]+", "", pattern)


def money(amount: int, currency: str, country: str | None = None) -> str:
    """One amount: ``€60,000`` (``60.000 €`` for a job in Germany)."""
    locale = _locale(country)
    return format_currency(
        amount, currency, format=_whole_pattern(locale), locale=locale, currency_digits=False
    )


# Formatting with Babel costs about a tenth of a millisecond; a feed of thousands of jobs asks
# for the same few ranges again on every render, so the labels are kept.
@lru_cache(maxsize=32_768)
def salary_label(
    minimum: int | None,
    maximum: int | None,
    currency: str,
    interval: SalaryInterval,
    country: str | None = None,
) -> str | None:
    """``€60,000–€80,000 a year``, ``From €60,000 a year``, ``Up to €80,000 a year``, or None
    without amounts."""
    per = INTERVAL_LABELS[interval]
    if minimum is not None and maximum is not None:
        if minimum == maximum:
            return f"{money(minimum, currency, country)} {per}"
        return f"{money(minimum, currency, country)}–{money(maximum, currency, country)} {per}"
    if minimum is not None:
        return f"From {money(minimum, currency, country)} {per}"
    if maximum is not None:
        return f"Up to {money(maximum, currency, country)} {per}"
    return None


def salary_problems(minimum: int | None, maximum: int | None, show: bool) -> dict[str, list[str]]:
    """What is wrong with a salary range as a whole (each field alone is checked by the
    schema)."""
    problems: dict[str, list[str]] = {}
    if minimum is not None and maximum is not None and minimum > maximum:
        problems["salaryMax"] = ["The maximum must be at least the minimum"]
    if show and minimum is None and maximum is None:
        problems["showSalary"] = ["Enter a minimum or maximum salary to show it"]
    return problems
