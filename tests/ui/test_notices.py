"""The shared notices: where the forward pass overflowed, and the values a chart leaves out."""

import numpy as np
import pytest

import rnn_core as rc
from ui import notices
from ui.data import live_network
from ui.state import Network

OVERFLOWING = Network(activation="linear", H=8, T=200, w_scale=4.0)  # its second step overflows float64


def test_no_overflow_no_message():
    assert notices.overflow_message(live_network(Network(H=4, T=5), 0).trace) is None


def test_the_overflow_message_names_the_step_and_what_it_holds():
    trace = live_network(OVERFLOWING, 2).trace
    t = trace.overflow_step
    # found here from the trace itself: the first step whose state is not finite
    first = next(k for k in range(trace.h.shape[0]) if not np.isfinite(trace.h[k]).all())
    assert t == first
    text = notices.overflow_message(trace)
    sup = "".join("⁰¹²³⁴⁵⁶⁷⁸⁹"[int(c)] for c in str(t))
    assert f"overflowed float64 at t = {t}: h⁽{sup}⁾ holds" in text
    kind = "nan (inf − inf)" if np.isnan(trace.h[t]).any() else "±inf"
    assert kind in text
    assert "for the linear activation f′ = 1 everywhere" in text and "{" not in text


def test_a_nonlinear_overflow_says_from_which_step_the_jacobians_fail():
    net = Network(activation="relu", H=8, T=200, w_scale=4.0)
    trace = live_network(net, 2).trace
    if trace.overflow_step is None:
        pytest.fail("this network was chosen to overflow float64")
    # the first step whose derivatives are not numbers, found here with a plain loop: ReLU′(+∞) = 1 is a
    # number, so a state holding only ±inf fails the derivatives one step later, where a⁽ᵗ⁾ is nan
    df = rc.get_activation("relu").df
    with np.errstate(all="ignore"):
        failed = next(t for t in range(1, 201) if not np.isfinite(df(trace.a[t - 1])).all())
    assert failed in (trace.overflow_step, trace.overflow_step + 1)
    assert f"from step {failed} on they are not" in notices.overflow_message(trace)
    assert np.isfinite(rc.jacobian_log_norms(live_network(net, 2).params, trace, t=failed - 1)).all()


@pytest.mark.parametrize(
    "values, expected",
    [
        ([1.0, 2.0], None),
        ([1.0, np.inf, -np.inf], "X: 2 infinite value(s) are left out"),
        ([np.nan, 1.0], "X: 1 not-a-number value(s) are left out"),
        ([np.inf, np.nan, np.nan], "X: 1 infinite and 2 not-a-number value(s) are left out"),
    ],
)
def test_explain_nonfinite_counts_what_is_left_out(values, expected):
    text = notices.explain_nonfinite(np.array(values), "X")
    if expected is None:
        assert text is None
    else:
        assert text.startswith(expected) and text.endswith("(they overflowed float64).")


def test_every_template_is_filled(monkeypatch):
    shown = []
    monkeypatch.setattr(notices.st, "warning", lambda text, **kw: shown.append(text))

    class Live:
        stopped = "the loss stopped being a finite number"
        steps_done = 3
        trace = live_network(OVERFLOWING, 2).trace

    notices.warn_about(Live, 10)
    assert shown[0].startswith("Only 3 of the 10 steps asked for were taken: the loss stopped")
    assert "after step 3." in shown[0] and "overflowed float64" in shown[1]
    assert not any("{" in s for s in shown)


def test_a_finite_trace_has_no_overflow_step():
    trace = live_network(Network(H=3, T=4), 0).trace
    assert isinstance(trace, rc.Trace) and trace.overflow_step is None


def test_values_never_computed_are_not_said_to_have_overflowed():
    values = np.array([1.0, np.nan, np.inf, np.nan])
    stopped = np.array([False, False, False, True])  # the last one was never computed
    text = notices.explain_nonfinite(values, "X", not_computed=stopped)
    assert "X: 1 infinite and 1 not-a-number value(s)" in text
    assert "1 value(s) are left out because they were never computed" in text
    assert notices.explain_nonfinite([np.nan], "X", not_computed=[True]).count("overflowed") == 0
