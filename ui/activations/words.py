"""Sentences and tables of the "Activation derivatives" page said once per input and language.

The float64 section's table and sentences depend on no control, and the γᵏ chart's notice on k max
alone; building them reads pandas frames (a group-by per activation and form) for a few
milliseconds, which every rerun repeated. Here they are cached by that input and by the language
they are said in (ui.chart_cache.language), so that a rerun looks them up.
"""

from __future__ import annotations

from dataclasses import dataclass

from ui.activations import text
from ui.activations.calls import float64_data, gamma_power_data
from ui.cache import cache_data
from ui.chart_cache import language

CACHE = dict(max_entries=64, show_spinner=False)


@dataclass(frozen=True)
class Float64Words:
    """The float64 section's words: the thresholds table, the charts' notice, what a zero means."""

    table: str
    notice: str
    meaning: str


@cache_data(**CACHE)
def _float64(lang: str) -> Float64Words:
    data = float64_data()
    return Float64Words(text.float64_table(data), text.float64_notice(data), text.zero_meaning(data))


def float64_words() -> Float64Words:
    """:class:`Float64Words` in the active language."""
    return _float64(language())


@cache_data(**CACHE)
def _gamma_notice(k_max: int, lang: str) -> str:
    return text.gamma_notice(gamma_power_data(k_max), k_max)


def gamma_notice(k_max: int) -> str:
    """text.gamma_notice of the γᵏ data up to ``k_max``, in the active language."""
    return _gamma_notice(int(k_max), language())
