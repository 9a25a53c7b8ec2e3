"""The number formatters: finite values, ±inf, nan, 0, negatives and powers of ten far from 1.

Expected strings are built here from the value's decimal exponent and mantissa (math.floor of
log₁₀, Decimal), not from the formatter under test.
"""

import math
from decimal import Decimal

import pytest

from ui import format as fmt

SUP = dict(zip("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
NONFINITE_TEXT = [(math.inf, "∞"), (-math.inf, "−∞"), (math.nan, "nan")]


def decimal_parts(x: float, digits: int) -> tuple[str, int]:
    """x = m × 10^e with 1 ≤ |m| < 10, m rounded to ``digits`` significant digits (as text)."""
    d = Decimal(x)  # the exact binary value, as format() rounds it
    e = math.floor(math.log10(abs(x)))
    m = (d.scaleb(-e)).quantize(Decimal(1).scaleb(-(digits - 1)))
    if abs(m) >= 10:  # rounding carried into the next decade (9.995 → 10.0)
        e += 1
        m = (d.scaleb(-e)).quantize(Decimal(1).scaleb(-(digits - 1)))
    return str(m), e


@pytest.mark.parametrize("value, text", NONFINITE_TEXT)
def test_every_text_formatter_names_non_finite_values_alike(value, text):
    assert fmt.number(value) == text and fmt.number(value, ".6f") == text
    assert fmt.sci(value) == text
    assert fmt.number(None) == "nan"


def test_tex_number_writes_non_finite_values_in_latex():
    assert fmt.tex_number(math.inf) == r"\infty"
    assert fmt.tex_number(-math.inf) == r"-\infty"
    assert fmt.tex_number(math.nan) == r"\text{nan}"


@pytest.mark.parametrize(
    "x", [0.25, -0.0712, 3.0, 1234.5, -9.87654e-5, 1.62634e120, 3e-7, 2.5e-300, -7.1e250]
)
def test_number_and_tex_number_agree_with_the_decimal_expansion(x):
    assert fmt.number(x, ".3g") == format(x, ".3g")  # Python's own spec, Python's minus (st.metric)
    tex = fmt.tex_number(x)
    if 1e-4 <= abs(x) < 1e4:  # where ".4g" writes no exponent
        assert float(tex) == pytest.approx(x, rel=5e-4) and r"\times" not in tex
    else:
        mantissa, e = decimal_parts(x, 4)
        assert tex == rf"{Decimal(mantissa).normalize()} \times 10^{{{e}}}"
    assert fmt.tex_number(0.0) == "0"


@pytest.mark.parametrize("x", [4.5014e-7, 6.2e-61, 12345.0, -4.5e-7, 1.7e308, 5e-324, -3.3e-12, 9.999e9])
def test_sci_writes_far_powers_of_ten_with_superscripts(x):
    mantissa, e = decimal_parts(x, 3)
    exponent = "".join(SUP[c] for c in str(e))
    assert fmt.sci(x) == f"{mantissa.replace('-', '−')}·10{exponent}"


@pytest.mark.parametrize(
    "x, text",
    [(0.25, "0.25"), (1.0, "1"), (0.0, "0"), (-0.0712, "−0.0712"), (0.001, "0.001"), (999.4, "999")],
)
def test_sci_near_one_is_plain_with_a_typographic_minus(x, text):
    assert fmt.sci(x) == text


def test_sci_never_prints_an_e_exponent():
    # 1234.5 to three digits needs an exponent even below 10⁴: it is written 1.23·10³
    assert fmt.sci(1234.5) == "1.23·10³" and fmt.sci(-9999.0) == "−1.00·10⁴"
    for x in (1.5e-3, 0.0123, 7.0, 99.94, 999.96, 5000.0, 12345.0):
        assert "e" not in fmt.sci(x)


def test_superscripts_and_the_time_index():
    assert fmt.superscript(-7) == "⁻⁷" and fmt.superscript(120) == "¹²⁰"
    assert fmt.time_index(3) == "⁽³⁾" and fmt.time_index(120) == "⁽¹²⁰⁾"
    for n in range(-30, 31):
        assert fmt.superscript(n) == "".join(SUP[c] for c in str(n))


@pytest.mark.parametrize("log_value", [-3.1234, 0.0, 2.5, -320.75, 1234.5678])
def test_pow10_of_a_finite_log(log_value):
    shown = f"{round(log_value, 2):.2f}"
    assert fmt.pow10(log_value) == f"$10^{{{shown}}}$"
    assert fmt.pow10_plain(log_value) == f"10^({shown})"
    assert fmt.pow10_plain(log_value, 3) == f"10^({round(log_value, 3):.3f})"


def test_pow10_of_a_non_finite_log():
    # log₁₀ = −∞ is a norm of exactly 0; +∞ an infinite one; nan stays nan
    for f in (fmt.pow10, fmt.pow10_plain):
        assert f(-math.inf) == "exactly 0" and f(math.inf) == "∞" and f(math.nan) == "nan"


@pytest.mark.parametrize(
    ("value", "spec", "shown"),
    [
        (-0.0, "g", "0"),
        (-0.0004, ".2f", "0.00"),
        (-0.0, ".3e", "0.000e+00"),
        (-0.006, ".2f", "-0.01"),
        (-1e-17, ".3g", "-1e-17"),
    ],
)
def test_number_prints_no_sign_on_a_value_that_prints_as_zero(value, spec, shown):
    assert fmt.number(value, spec) == shown
