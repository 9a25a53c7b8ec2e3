"""The worked example against an independent computation: plain Python loops over scalars (no
rnn_core), finite differences, and the sum of the path terms; the diagnosis of a student's value
against each wrong version fed back to it, and at the tolerance boundary."""

from __future__ import annotations

import math

import numpy as np
import pytest

import rnn_core as rc

CONFIGS = [
    dict(),
    dict(seed=1, activation="sigmoid", s=2),
    dict(seed=2, activation="relu", loss="mse"),
    dict(seed=3, activation="leaky_relu", T=4, s=1, H=3),
    dict(seed=4, activation="linear", loss="mse", T=1, s=1),
    dict(seed=5, activation="tanh", loss="softmax_ce", T=2, s=2, K=3, D=2),
    dict(seed=6, activation="tanh", T=1, s=1, decimals=1),
]


def f_scalar(name: str, a: float) -> float:
    if name == "tanh":
        return math.tanh(a)
    if name == "sigmoid":
        return 1.0 / (1.0 + math.exp(-a))
    if name == "relu":
        return max(a, 0.0)
    if name == "leaky_relu":
        return a if a > 0 else 0.01 * a
    return a


def df_scalar(name: str, a: float) -> float:
    if name == "tanh":
        return 1.0 - math.tanh(a) ** 2
    if name == "sigmoid":
        sig = 1.0 / (1.0 + math.exp(-a))
        return sig * (1.0 - sig)
    if name == "relu":
        return 1.0 if a > 0 else 0.0
    if name == "leaky_relu":
        return 1.0 if a > 0 else 0.01
    return 1.0


def reference(ex) -> dict:
    """Every step of the example recomputed with lists of floats, from its given values only."""
    H, D, K, T, s, act = ex.H, ex.D, ex.K, ex.T, ex.s, ex.activation
    U, W, V = (ex.value(n).tolist() for n in "UWV")
    b, c = ex.value("b").tolist(), ex.value("c").tolist()
    x = {t: ex.value(f"x{t}").tolist() for t in range(1, T + 1)}
    y = {t: ex.value(f"y{t}").tolist() for t in range(1, T + 1)}
    out: dict = {}
    h = {0: [0.0] * H}
    a, o, g, fp = {}, {}, {}, {}
    for t in range(1, T + 1):
        a[t] = [
            b[i] + sum(W[i][j] * h[t - 1][j] for j in range(H)) + sum(U[i][d] * x[t][d] for d in range(D))
            for i in range(H)
        ]
        h[t] = [f_scalar(act, v) for v in a[t]]
        o[t] = [c[k] + sum(V[k][i] * h[t][i] for i in range(H)) for k in range(K)]
        if ex.loss == "softmax_ce":
            exps = [math.exp(v) for v in o[t]]
            y_hat = [v / sum(exps) for v in exps]
            out[f"yhat{t}"] = y_hat
            out[f"L{t}"] = -math.log(y_hat[int(y[t])])
            g[t] = [y_hat[k] - (1.0 if k == int(y[t]) else 0.0) for k in range(K)]
        else:
            out[f"L{t}"] = 0.5 * sum((o[t][k] - y[t][k]) ** 2 for k in range(K))
            g[t] = [o[t][k] - y[t][k] for k in range(K)]
        fp[t] = [df_scalar(act, v) for v in a[t]]
        out.update({f"a{t}": a[t], f"h{t}": h[t], f"o{t}": o[t], f"dLdo{t}": g[t], f"fp{t}": fp[t]})
    out["L"] = sum(out[f"L{t}"] for t in range(1, T + 1))

    def back(loss_steps):
        """∂L/∂h⁽ᵗ⁾ and δ⁽ᵗ⁾ of the sum of the losses at ``loss_steps``, one scalar at a time."""
        dh, delta = {}, {}
        for t in range(T, 0, -1):
            dh[t] = [
                (sum(V[k][i] * g[t][k] for k in range(K)) if t in loss_steps else 0.0)
                + (sum(W[j][i] * delta[t + 1][j] for j in range(H)) if t < T else 0.0)
                for i in range(H)
            ]
            delta[t] = [fp[t][i] * dh[t][i] for i in range(H)]
        return dh, delta

    dh_s, delta_s = back({s})
    for k in range(1, s + 1):
        out[f"dLs_dh{k}"], out[f"delta_s{k}"] = dh_s[k], delta_s[k]
        out[f"pathW{k}"] = [[delta_s[k][i] * h[k - 1][j] for j in range(H)] for i in range(H)]
        out[f"pathU{k}"] = [[delta_s[k][i] * x[k][d] for d in range(D)] for i in range(H)]
    for wrt, n in (("W", H), ("U", D)):
        out[f"dLs_d{wrt}"] = [
            [sum(out[f"path{wrt}{k}"][i][j] for k in range(1, s + 1)) for j in range(n)] for i in range(H)
        ]
    out["dLs_dV"] = [[g[s][k] * h[s][i] for i in range(H)] for k in range(K)]
    dh, delta = back(set(range(1, T + 1)))
    for t in range(1, T + 1):
        out[f"dL_dh{t}"], out[f"delta{t}"] = dh[t], delta[t]
    grads = {
        "V": [[sum(g[t][k] * h[t][i] for t in range(1, T + 1)) for i in range(H)] for k in range(K)],
        "W": [[sum(delta[t][i] * h[t - 1][j] for t in range(1, T + 1)) for j in range(H)] for i in range(H)],
        "U": [[sum(delta[t][i] * x[t][d] for t in range(1, T + 1)) for d in range(D)] for i in range(H)],
        "b": [sum(delta[t][i] for t in range(1, T + 1)) for i in range(H)],
        "c": [sum(g[t][k] for t in range(1, T + 1)) for k in range(K)],
    }
    given = {"U": U, "W": W, "V": V, "b": b, "c": c}
    for field, grad in grads.items():
        out[f"d{field}"] = grad
        theta = np.asarray(given[field])
        out[f"{field}_new"] = (theta - ex.lr * np.asarray(grad)).tolist()  # elementwise, nothing shared
    return out


@pytest.mark.parametrize("config", CONFIGS)
def test_every_step_equals_a_plain_loop_over_scalars(config):
    ex = rc.worked_example(**config)
    ref = reference(ex)
    computed = [st for st in ex.steps if not st.given]
    assert {st.name for st in computed} == set(ref)  # every step, no more, no fewer
    for st in computed:
        np.testing.assert_allclose(
            st.value, np.asarray(ref[st.name]), rtol=1e-12, atol=1e-14, err_msg=st.name
        )


@pytest.mark.parametrize("config", CONFIGS)
def test_gradients_equal_finite_differences_and_the_paths_sum_over_s(config):
    ex = rc.worked_example(**config)
    kw = dict(activation=ex.activation, loss=ex.loss)
    numeric = rc.numerical_gradient(ex.params, ex.xs, ex.targets, **kw)
    for field in "UWVbc":
        np.testing.assert_allclose(ex.value(f"d{field}"), getattr(numeric, field), rtol=1e-6, atol=1e-8)
    numeric_s = rc.numerical_gradient(ex.params, ex.xs, ex.targets, s=ex.s, **kw)
    for field in "WUV":
        np.testing.assert_allclose(ex.value(f"dLs_d{field}"), getattr(numeric_s, field), rtol=1e-6, atol=1e-8)
    # parts against the total: the path terms of L⁽ˢ⁾ add up to its gradient
    for wrt in "WU":
        paths = sum(ex.value(f"path{wrt}{k}") for k in range(1, ex.s + 1))
        np.testing.assert_allclose(paths, ex.value(f"dLs_d{wrt}"), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("config", CONFIGS)
def test_given_values_are_rounded_before_use_and_the_steps_come_in_order(config):
    ex = rc.worked_example(**config)
    d = ex.decimals
    for st in ex.stage("given"):
        assert st.decimals is not None
        np.testing.assert_array_equal(st.value, np.round(st.value, st.decimals))
    for field in "UWVbc":
        assert np.array_equal(getattr(ex.params, field), np.round(getattr(ex.params, field), d))
    assert np.abs(ex.value("U")).max() <= 1 and np.abs(ex.value("b")).max() <= 0.5
    assert [st.stage for st in ex.steps] == sorted((st.stage for st in ex.steps), key=rc.WORKED_STAGES.index)
    assert [st.name for st in ex.stage("loss_s")][:2] == [
        f"dLs_dh{ex.s}",
        f"delta_s{ex.s}",
    ]  # from k = s down
    # a computed state is not rounded: a⁽¹⁾ = b + U x⁽¹⁾ carries the product's decimals
    assert all(st.decimals is None for st in ex.steps if not st.given)
    with pytest.raises(ValueError, match="must be one of the example's steps"):
        ex.step("nope")


def test_seeds_give_fresh_exercises_and_the_same_seed_the_same():
    a, b, again = rc.worked_example(seed=0), rc.worked_example(seed=1), rc.worked_example(seed=0)
    assert not np.array_equal(a.value("W"), b.value("W"))
    for st, other in zip(a.steps, again.steps):
        assert st.name == other.name and np.array_equal(st.value, other.value)


def test_relu_examples_never_sit_on_the_kink():
    draws = []
    for seed in range(30):
        ex = rc.worked_example(activation="relu", decimals=0, seed=seed)
        assert (np.abs(ex.trace.a) >= rc.RELU_KINK).all()
        draws.append(ex.draw)
    assert max(draws) > 0  # with whole numbers, a = 0 does come up, and that draw is replaced


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(H=0), "H must be an integer ≥ 1; received 0"),
        (dict(T=3, s=4), r"s must be a time step in 1..T = 1..3; received 4"),
        (dict(activation="swish"), "activation must be one of"),
        (dict(loss="hinge"), "loss must be one of"),
        (dict(K=1), "K must be ≥ 2 for softmax_ce"),
        (dict(decimals=9), r"decimals must be in 0..6"),
        (dict(lr=-0.1), "lr must be a finite number ≥ 0"),
        (dict(seed=-1), "seed must be an integer ≥ 0"),
    ],
)
def test_bad_arguments_say_what_was_received_and_expected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        rc.worked_example(**kwargs)


@pytest.mark.parametrize("config", CONFIGS)
def test_each_wrong_version_is_diagnosed_as_itself_and_the_right_value_as_correct(config):
    ex = rc.worked_example(**config)
    seen = set()
    for st in ex.steps:
        verdict = rc.diagnose(st.name, st.value, ex)
        assert verdict.correct and verdict.reason == "correct" and verdict.ratio == 0.0
        for v in rc.mistake_variants(ex, st.name):
            got = rc.diagnose(st.name, v.value, ex)
            assert not got.correct, (st.name, v.reason)
            assert v.reason in got.reasons, (st.name, v.reason, got.reasons)
            assert got.variant_ratio <= 1.0
            seen.add(v.reason)
    if config == {}:
        # the homework's s = 3 example meets the mistakes the request names, and more
        assert seen >= {
            "transposed", "missing_fprime", "wrong_time_index", "last_path_only", "sign", "mean_not_sum",
            "one_loss_only", "v_history", "forgot_lr", "log10", "no_onehot", "fprime_of_a",
        }  # fmt: skip


def test_the_usual_mistakes_of_the_homework_are_named():
    ex = rc.worked_example()
    V, W, h, x = ex.params.V, ex.params.W, ex.trace.h[:, 0], ex.xs[:, 0]
    d = {k: ex.value(f"delta_s{k}") for k in (1, 2, 3)}
    # only the last path k = s of ∂L⁽³⁾/∂W
    assert rc.diagnose("dLs_dW", np.outer(d[3], h[2]), ex).reason == "last_path_only"
    # h⁽ᵏ⁾ for h⁽ᵏ⁻¹⁾ in every term
    assert rc.diagnose("dLs_dW", sum(np.outer(d[k], h[k]) for k in d), ex).reason == "wrong_time_index"
    # h δᵀ for δ hᵀ
    assert rc.diagnose("pathW2", np.outer(h[1], d[2]), ex).reason == "transposed"
    # U's path term written as x δᵀ has the transposed shape (1, 2)
    verdict = rc.diagnose("pathU2", np.outer(x[1], d[2]), ex)
    assert verdict.reason == "transposed" and math.isnan(verdict.error)
    # δ without f′: ∂L⁽³⁾/∂h⁽²⁾ = Wᵀ δ₃⁽³⁾ alone
    assert rc.diagnose("delta_s2", W.T @ d[3], ex).reason == "missing_fprime"
    # the homework's update W − lr ∂L⁽³⁾/∂W for W − lr ∂L/∂W
    homework = ex.params.W - ex.lr * ex.value("dLs_dW")
    assert "one_loss_only" in rc.diagnose("W_new", homework, ex).reasons
    assert rc.diagnose("dW", ex.value("dLs_dW"), ex).reason == "one_loss_only"
    # V's gradient with a history
    g3 = ex.value("dLdo3")
    assert rc.diagnose("dLs_dV", sum(np.outer(g3, h[k]) for k in (1, 2, 3)), ex).reason == "v_history"
    assert rc.diagnose("dLs_dV", -ex.value("dLs_dV"), ex).reason == "sign"
    assert rc.diagnose("dLs_dV", V * 0 + 7.0, ex).reason == "unknown"


def test_the_tolerance_boundary_and_the_entries_that_differ():
    ex = rc.worked_example()
    e = ex.value("dLs_dW")
    rtol, atol = rc.HAND_RTOL, rc.HAND_ATOL
    width = atol + rtol * abs(e[1, 0])
    inside, outside = e.copy(), e.copy()
    inside[1, 0] += 0.999 * width
    outside[1, 0] += 1.001 * width
    assert rc.diagnose("dLs_dW", inside, ex).correct
    verdict = rc.diagnose("dLs_dW", outside, ex)
    assert not verdict.correct and verdict.differs == ((1, 0),) and verdict.reason == "unknown"
    assert verdict.error == pytest.approx(1.001 * width, rel=1e-9)
    assert verdict.ratio == pytest.approx(1.001, rel=1e-9)
    assert (verdict.rtol, verdict.atol) == (rtol, atol)
    # a tighter tolerance refuses what the default accepts
    assert not rc.diagnose("dLs_dW", inside, ex, rtol=1e-4, atol=1e-6).correct
    # a vector may be written as a row or a column
    a2 = ex.value("a2")
    assert rc.diagnose("a2", a2[None, :], ex).correct and rc.diagnose("a2", a2[:, None], ex).correct
    assert rc.diagnose("L1", [[ex.value("L1")]], ex).correct


def test_diagnose_refuses_what_it_cannot_judge():
    ex = rc.worked_example()
    with pytest.raises(ValueError, match=r"value for dLs_dW must have shape \(2, 2\); received shape \(3,\)"):
        rc.diagnose("dLs_dW", [1.0, 2.0, 3.0], ex)
    with pytest.raises(ValueError, match="value must be finite"):
        rc.diagnose("a1", [float("nan"), 0.0], ex)
    with pytest.raises(ValueError, match="must be one of the example's steps"):
        rc.diagnose("dX", [0.0], ex)
    with pytest.raises(ValueError, match="rtol must be a finite number ≥ 0"):
        rc.diagnose("a1", [0.0, 0.0], ex, rtol=-1)
    with pytest.raises(ValueError, match="must not both be 0"):
        rc.diagnose("a1", [0.0, 0.0], ex, rtol=0, atol=0)
