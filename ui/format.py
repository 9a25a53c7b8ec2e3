r"""Every number formatter the pages use, once.

Non-finite values read the same everywhere: "∞", "−∞" and "nan" in text, ``\infty``, ``-\infty`` and
``\text{nan}`` in LaTeX. A norm given by its log₁₀ (:func:`pow10`, :func:`pow10_plain`) says
"exactly 0" for log₁₀ = −∞, since that is what 10^(−∞) is.
"""

from __future__ import annotations

import math

MINUS = "−"  # U+2212, the typographic minus of running text
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def superscript(n: int | str) -> str:
    """An integer in superscript digits: −7 → ⁻⁷, 120 → ¹²⁰."""
    return str(n).translate(_SUPERSCRIPT)


def time_index(t: int) -> str:
    """The time index as the notation writes it: 12 → ⁽¹²⁾ (h⁽¹²⁾)."""
    return f"⁽{superscript(t)}⁾"


def _nonfinite(value: float) -> str | None:
    """ "nan", "∞" or "−∞" for a value that is not a finite number (None counts as nan), else None."""
    if value is None or math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "∞" if value > 0 else f"{MINUS}∞"
    return None


def number(value: float, spec: str = ".3g") -> str:
    """``value`` formatted with ``spec`` (Python's minus, as st.metric expects), or "nan" / "∞" / "−∞".

    A value that prints as zero has no sign: −0.0, or −0.0004 at two decimals, prints "0" / "0.00".
    """
    word = _nonfinite(value)
    if word:
        return word
    text = format(value, spec)
    if text.startswith("-") and not any(c in "123456789" for c in text.split("e")[0]):
        return text[1:]
    return text


def tex_number(value: float, spec: str = ".4g") -> str:
    r"""``value`` for LaTeX: 1.63e+120 becomes 1.63 \times 10^{120}; \infty, -\infty, \text{nan}."""
    if value is None or math.isnan(value):
        return r"\text{nan}"
    if math.isinf(value):
        return r"\infty" if value > 0 else r"-\infty"
    text = format(value, spec)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def sci(x: float, digits: int = 3) -> str:
    """``x`` with ``digits`` significant digits, as 4.5·10⁻⁷ when it is far from 1 (typographic minus)."""
    x = float(x)
    word = _nonfinite(x)
    if word:
        return word
    if x == 0.0:
        return "0"
    plain = f"{x:.{digits}g}"
    if 1e-3 <= abs(x) < 1e4 and "e" not in plain:
        return plain.replace("-", MINUS)
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    return f"{mantissa.replace('-', MINUS)}·10{superscript(int(exponent))}"


def _pow10_word(log_value: float) -> str | None:
    if math.isnan(log_value):
        return "nan"
    if math.isinf(log_value):
        return "exactly 0" if log_value < 0 else "∞"
    return None


def pow10(log_value: float, digits: int = 2) -> str:
    """A norm given by its log₁₀, as inline LaTeX for markdown: $10^{-38.32}$; words for inf/nan."""
    return _pow10_word(log_value) or f"$10^{{{log_value:.{digits}f}}}$"


def pow10_plain(log_value: float, digits: int = 2) -> str:
    """The same as :func:`pow10` in plain text, for metrics and tooltips: 10^(−38.32)."""
    return _pow10_word(log_value) or f"10^({log_value:.{digits}f})"
