r"""The "Vanishing & exploding" page: its cached calls, formulas, sentences and charts.

An error that travels d steps back is multiplied by d Jacobians diag(f′(a⁽ʲ⁾)) W, so
‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂ ≤ (γ·σ_max(W))ᵈ. The numbers come from rnn_core (its remedies for what the
page adds); here they are cached, put into words, LaTeX and Altair charts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import rnn_core as rc
from ui import palette
from ui.chart_cache import cached_chart
from ui.data import initial_params, live_network, sequence
from ui.format import number, pow10, pow10_plain, tex_number
from ui.state import ACTIVATION_LABELS, INIT_LABELS, Network

CACHE = dict(max_entries=64, show_spinner=False)

DEFAULT_DIST = 20  # the regime map's distance d, clamped to T
DEFAULT_TAU = 5  # the truncation length τ, clamped to T
# Clipping thresholds: 1-2-5 steps over six decades, as the select_slider's options (and URL values).
CLIP_THRESHOLDS = tuple(float(f"{m}e{e}") for e in range(-3, 3) for m in (1, 2, 5)) + (1000.0,)
DEFAULT_CLIP = 1.0
SIGMA_LOW, SIGMA_HIGH, SIGMA_STEPS = 0.1, 4.0, 30  # the regime map's σ_max(W) grid
NONNORMAL_W = ((0.5, 10.0), (0.0, 0.5))  # ρ = 0.5 but σ_max ≈ 10: the bound needs σ_max
NONNORMAL_N = 30
ACCURACY_SHOWN = 1e-6  # decades: a regime-map accuracy above this is stated on the page

INIT_STYLES = {name: palette.series(i) for i, name in enumerate(("orthogonal", "gaussian", "identity"))}

AXIS_LOG = "log₁₀ of the norm (1 = ×10)"


# --- numbers ----------------------------------------------------------------------------------


def has_finite(values, *, positive: bool = False) -> bool:
    """Whether a chart of ``values`` would have anything to draw (with ``positive``: on a log scale)."""
    arr = np.asarray(values, dtype=float)
    ok = np.isfinite(arr) & (arr > 0) if positive else np.isfinite(arr)
    return bool(ok.any())


def clip_label(threshold: float) -> str:
    """The select_slider's label for a threshold, which is also its URL value: short, no spaces."""
    return f"{threshold:g}"


# --- cached calls -------------------------------------------------------------------------------


@st.cache_data(**CACHE)
def profile(net: Network, steps: int) -> rc.JacobianProfile:
    """log₁₀‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂ for d = 0..T with its bound, for the sidebar's network after ``steps``."""
    live = live_network(net, steps)
    return rc.jacobian_profile(live.params, live.trace)


@dataclass(frozen=True)
class Accounting:
    """The contribution matrix C (T, T), ∂L/∂W split by distance, the BPTT gradient and how well
    Σ_d G_d reproduces its W field (relative error; nan when the gradient is not finite)."""

    C: np.ndarray
    split: rc.DistanceSplit
    grads: rc.RNNParams
    reconcile: float


@st.cache_data(**CACHE)
def accounting(net: Network, steps: int) -> Accounting:
    live = live_network(net, steps)
    C = rc.contributions(live.params, live.trace)  # (T, T)
    split = rc.distance_split(rc.distance_terms(live.params, live.trace))
    grads = rc.bptt(live.params, live.trace)
    return Accounting(C, split, grads, rc.rel_error(split.total, grads.W))


@dataclass(frozen=True)
class Clipping:
    """Both clippings at the chosen threshold, over every threshold, and the long-range part."""

    comparison: rc.ClipComparison
    sweep: rc.ClipSweep
    long: rc.LongRange


@st.cache_data(**CACHE)
def clipping(net: Network, steps: int, threshold: float, tau: int) -> Clipping:
    acc = accounting(net, steps)
    comparison = rc.clipping_comparison(acc.grads, threshold)
    sweep = rc.clipping_sweep(acc.grads, CLIP_THRESHOLDS)
    return Clipping(comparison, sweep, rc.long_range(acc.split, tau, comparison))


@st.cache_data(**CACHE)
def init_profiles(net: Network) -> dict[str, rc.JacobianProfile]:
    """The Jacobian profile of the initial network (no training steps) for each W initialisation."""
    return {w_init: profile(replace(net, w_init=w_init), 0) for w_init in rc.W_INITS}


@st.cache_data(max_entries=32, show_spinner=False)
def regime(D: int, H: int, K: int, T: int, w_init: str, seed: int, dist: int) -> rc.RegimeMap:
    """The regime map at distance ``dist`` for the initial network of these sizes, init and seed.

    Keyed by what the map depends on only (not the activation, σ_max, loss or learning rate it
    varies or ignores), so moving those in the sidebar reuses it.
    """
    net = Network(H=H, T=T, D=D, K=K, w_init=w_init, seed=seed)
    xs, _ = sequence(net)
    sigmas, _ = rc.sigma_grid(SIGMA_LOW, SIGMA_HIGH, SIGMA_STEPS)
    return rc.regime_map(initial_params(net), xs, sigmas, list(rc.ACTIVATIONS), dist)


@st.cache_data(max_entries=4, show_spinner=False)
def nonnormal() -> rc.PowerProfile:
    return rc.power_profile(np.array(NONNORMAL_W), NONNORMAL_N)


# --- formulas -----------------------------------------------------------------------------------

DISTANCE_LATEX = (
    r"\frac{\partial L}{\partial W} = \sum_{s=1}^{T}\sum_{k=1}^{s} \delta_k^{(s)} h^{(k-1)\top}"
    r" = \sum_{d=0}^{T-1} G_d, \qquad G_d = \sum_{s-k=d} \delta_k^{(s)} h^{(k-1)\top},"
    r"\qquad p_d = \frac{\langle G_d,\, \partial L/\partial W \rangle}{\lVert \partial L/\partial W \rVert^2},"
    r"\quad \sum_d p_d = 1"
)

TRUNCATION_LATEX = (
    r"g_\tau = \sum_{d<\tau} G_d, \qquad \text{kept} = \frac{\lVert g_\tau \rVert}{\lVert \partial L/\partial W \rVert},"
    r"\qquad \cos\angle\big(g_\tau,\ \partial L/\partial W\big)"
    r" = \frac{\langle g_\tau,\, \partial L/\partial W\rangle}{\lVert g_\tau\rVert\, \lVert \partial L/\partial W\rVert}"
)


def bound_latex(summary: rc.SpectralSummary, activation: str) -> str:
    """γ·σ_max(W) with this network's numbers, and what it is compared with."""
    # compared as printed: 1.0000000000000002 is "= 1", not "> 1"
    shown = float(f"{summary.bound_base:.4g}")
    rel = "<" if shown < 1 else ">" if shown > 1 else "="
    return (
        rf"\gamma_{{\text{{{ACTIVATION_LABELS[activation]}}}}}\,\sigma_{{\max}}(W) = {summary.gamma:g} \times "
        rf"{tex_number(summary.sigma_max)} = {tex_number(summary.bound_base)} {rel} 1,"
        rf"\qquad \rho(W) = {tex_number(summary.rho)}"
    )


def matrix_latex(W) -> str:
    """A small matrix as a LaTeX bmatrix, its entries as given."""
    rows = [" & ".join(f"{float(v):g}" for v in row) for row in np.asarray(W)]
    return r"W = \begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


POWER_BOUNDS_LATEX = r"\rho(W)^n \;\le\; \lVert W^n\rVert_2 \;\le\; \sigma_{\max}(W)^n"


def power_latex(pp: rc.PowerProfile) -> str:
    """ρ(W), σ_max(W) and the peak of ‖Wⁿ‖₂, with the preset's computed numbers."""
    return (
        rf"\rho(W) = {pp.rho:.4g},\qquad \sigma_{{\max}}(W) = \lVert W\rVert_2 = {pp.sigma_max:.4g},\qquad"
        rf"\max_{{1 \le n \le {pp.n[-1]}}} \lVert W^n\rVert_2 = \lVert W^{{{pp.peak_n}}}\rVert_2"
        rf" = 10^{{{pp.peak_log_norm:.3f}}}"
    )


def gamma_sentence() -> str:
    """γ = sup|f′| for every activation, from rnn_core.ACTIVATIONS (grouped by value)."""
    groups: dict[float, list[str]] = {}
    for name, act in rc.ACTIVATIONS.items():
        groups.setdefault(act.gamma, []).append(ACTIVATION_LABELS[name])
    parts = [f"γ = {gamma:g} for {', '.join(names)}" for gamma, names in sorted(groups.items())]
    return "; ".join(parts) + "."


def map_notice() -> str:
    """What to notice in the regime map, with 1/γ of each activation from rnn_core.ACTIVATIONS."""
    edges = ", ".join(f"{ACTIVATION_LABELS[n]} {1 / a.gamma:g}" for n, a in rc.ACTIVATIONS.items())
    return (
        "blue cells vanish, red cells explode, white is the edge between them. The black ticks sit at "
        f"σ_max(W) = 1/γ ({edges}); left of them vanishing is guaranteed. The measured edge lies at "
        "or right of them: the bound needs f′ = γ at every unit and step, and real pre-activations "
        "give less (tanh′ and sigmoid′ reach γ only at a = 0). ReLU's f′ = 1 only removes the "
        "damping: whether the norm grows is decided by W on the active units. Move d: the colours "
        "deepen with distance while the edge settles. The diamond is your network."
    )


# --- sentences ----------------------------------------------------------------------------------

REGIME_LABELS = {
    "vanishing": "vanishing",
    "exploding": "exploding",
    "neither": "neither vanishing nor exploding",
    "zero": "cut off (exactly zero)",
    "undefined": "undefined (nan)",
}


def cut_reason(activation: str) -> str:
    """Why every path through a step can be cut exactly, for this activation."""
    if activation == "relu":
        return "every ReLU unit is off there (a ≤ 0, so f′ = 0)"
    if activation in ("tanh", "sigmoid"):
        return "every unit is saturated so far there that f′(a) underflows to 0 in float64"
    return "the derivatives and W together map every direction to 0 there"


def regime_text(p: rc.JacobianProfile, activation: str) -> str:
    """Which regime the network is in, in words, with the numbers that decide it."""
    r, s = p.regime, p.summary
    base = f"γ·σ_max(W) = {s.bound_base:.3g}"
    head = f"**Regime: {REGIME_LABELS[r.kind]}.** "
    if r.kind == "zero":
        return head + (
            f"From distance d = {r.distance} on, ∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾ is exactly the zero matrix: at some "
            f"step every path is cut ({cut_reason(activation)}), so nothing crosses that step. "
            "Longer paths carry no gradient at all."
        )
    if r.kind == "undefined":
        return head + "The forward pass produced nan, so the Jacobians beyond that step are not numbers."
    growth = (
        f"Over the whole sequence (d = {r.distance} steps) the norm goes from 1 to {pow10(r.log_norm)}: "
        f"×{number(r.per_step)} per step on average."
    )
    if r.kind == "vanishing":
        why = (
            f"Guaranteed: {base} < 1, so the bound itself shrinks geometrically."
            if r.vanishing_guaranteed
            else f"The bound does not force this ({base} ≥ 1): the derivatives f′(a⁽ʲ⁾) at the "
            "network's actual pre-activations are below γ and do the shrinking."
        )
    elif r.kind == "exploding":
        why = (
            f"{base} > 1 made it possible (that is necessary, not sufficient); the network's "
            "actual derivatives made it happen."
        )
    else:
        why = (
            "Errors from the start of the sequence still arrive with their weight: the edge between the regimes."
            if not r.vanishing_guaranteed
            else f"{base} < 1, so it must vanish over longer distances; {r.distance} step(s) are too few to show it."
        )
    return head + growth + " " + why


def profile_notes(p: rc.JacobianProfile, activation: str, overflow: str | None) -> list[str]:
    """Sentences for distances whose log norm is −inf (zero Jacobian) or nan (left out of the chart)."""
    notes = []
    zero = np.isneginf(p.log_norms)
    if zero.any():
        notes.append(
            f"{int(zero.sum())} distance(s), from d = {int(np.argmax(zero))} on, have ∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾ = 0 "
            "exactly (log₁₀ 0 = −∞) and are left out of the chart: every path through some step is "
            f"cut: {cut_reason(activation)}."
        )
    nan = np.isnan(p.log_norms)
    if nan.any():
        notes.append(
            f"{int(nan.sum())} distance(s), from d = {int(np.argmax(nan))} on, are not numbers and are "
            "left out of the chart. " + (overflow or "The forward pass produced nan.")
        )
    return notes


def clip_text(c: rc.ClipComparison) -> str:
    """What each clipping did at the chosen threshold."""
    if not c.finite:
        return (
            "The gradient holds inf or nan: norm clipping cannot rescale a vector of unknown length "
            "(it returns it unchanged), and elementwise clipping turns ±inf into ±threshold but keeps nan."
        )
    if not c.norm_clipped:
        norm = f"‖g‖ = {c.norm_before:.3g} ≤ threshold = {clip_label(c.threshold)}: norm clipping leaves g alone."
    else:
        norm = (
            f"‖g‖ = {c.norm_before:.3g} > threshold = {clip_label(c.threshold)}: norm clipping multiplies all of g by "
            f"threshold/‖g‖ = {c.norm_scale:.3g}, so ‖g‖ becomes {c.norm_after:.3g} and the direction is kept "
            f"(cosine {c.norm_cosine:.6f})."
        )
    if not c.elementwise_clipped:
        elem = "No entry exceeds the threshold: elementwise clipping changes nothing."
    else:
        elem = (
            f"Elementwise clipping cuts {c.elementwise_fraction:.1%} of the entries to ±threshold and leaves the "
            f"rest, so the direction turns: cosine {c.elementwise_cosine:.6f} with the original."
        )
    return norm + " " + elem


def long_range_text(lr: rc.LongRange, c: rc.ClipComparison) -> str:
    """The misconception "clipping cures vanishing", answered with this network's numbers."""
    if lr.norm_before == 0.0 and not np.isfinite(lr.share_before):
        return "∂L/∂W is exactly zero here, so it has no long-range part for clipping to act on."
    if not np.isfinite(lr.share_before):
        return "The gradient is not finite here, so its long-range share is not defined."
    after = (
        f"after norm clipping it is {lr.norm_after:.3g} (multiplied by {c.norm_scale:.3g}, like every "
        f"other distance) and its share is still {lr.share_after:.3g}"
        if c.norm_clipped
        else "norm clipping does not bite at this threshold, so nothing changes"
    )
    return (
        f"**Does clipping cure vanishing gradients? No.** The long-range part of ∂L/∂W, the paths "
        f"across d ≥ τ = {lr.tau} steps (Σ_(d≥τ) G_d), has norm {lr.norm_before:.3g}, a share "
        f"{lr.share_before:.3g} of ‖∂L/∂W‖; {after}. Clipping only ever shrinks a gradient that is "
        "too large; it cannot enlarge a part that is too small. Remedies for vanishing change the "
        "Jacobians themselves: initialisation (below), gated units (LSTM, GRU), skip connections."
    )


def truncation_text(split: rc.DistanceSplit, tau: int, T: int) -> str:
    if split.total_norm == 0.0:
        return "∂L/∂W is exactly zero here: truncation has nothing to keep or drop."
    if not np.isfinite(split.kept[tau - 1]):
        return "The gradient is not finite here, so its truncated parts cannot be compared with it."
    if tau >= T:
        return f"τ = {tau} ≥ T = {T}: truncation keeps every path; this is full BPTT."
    return (
        f"Truncated BPTT with τ = {tau} keeps the paths with s − k < {tau}: a gradient of norm "
        f"{split.kept[tau - 1]:.3g} × ‖∂L/∂W‖ pointing at cosine {split.cosine[tau - 1]:.6f} to the full "
        f"gradient. What it drops, Σ_(d≥τ) G_d, has norm {split.dropped[tau - 1]:.3g} × ‖∂L/∂W‖: "
        "when that is tiny the gradient was vanishing anyway and truncation costs nothing; when it "
        "is not, truncation throws away exactly the long-range learning signal."
    )


def zero_gradient_note(split: rc.DistanceSplit, T: int) -> str | None:
    """Why shares and ratios are missing when ∂L/∂W is exactly zero, or None when it is not."""
    if split.total_norm != 0.0:
        return None
    why = (
        "With T = 1 its only term is δ⁽¹⁾h⁽⁰⁾ᵀ, and h⁽⁰⁾ = 0."
        if T == 1
        else "Every path term δₖ⁽ˢ⁾h⁽ᵏ⁻¹⁾ᵀ is zero: each δₖ⁽ˢ⁾ = f′(a⁽ᵏ⁾) ⊙ ∂L⁽ˢ⁾/∂h⁽ᵏ⁾ has f′ = 0 "
        "exactly, because the units are off (ReLU) or saturated so far that f′ underflows float64 "
        "(tanh, sigmoid with |a| in the hundreds)."
    )
    return f"∂L/∂W is exactly zero here, so its shares, cosines and ratios are not defined. {why}"


def map_notes(rmap: rc.RegimeMap) -> list[str]:
    """Sentences for the regime map's grey cells and, if it is not exact, how accurate it is."""
    notes = []
    zero = int(np.isneginf(rmap.log_norms).sum())
    if zero:
        notes.append(
            f"{zero} grey cell(s) have ∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾ = 0 exactly (log₁₀ 0 = −∞): at some step of the last "
            f"d = {rmap.distance} every path was cut (ReLU units all off)."
        )
    nan = int(np.isnan(rmap.log_norms).sum())
    if nan:
        notes.append(f"{nan} grey cell(s) are not numbers: the forward pass of that network produced nan.")
    if rmap.accuracy > ACCURACY_SHOWN:
        notes.append(
            "At this size each norm is found without forming the product of Jacobians (Lanczos "
            "iterations on it). Here some stopped before converging: those cells are lower bounds, "
            f"each within {rmap.accuracy:.1e} decades of a singular value of its product. The "
            "curves in sections 1 and 4 are exact."
        )
    return notes


def marker_note(sigma: float, edges) -> str | None:
    """A sentence when the sidebar's network lies outside the map's σ_max(W) range (no diamond)."""
    if edges[0] <= sigma <= edges[-1]:
        return None
    return (
        f"Your network's σ_max(W) = {number(sigma)} lies outside the map "
        f"({edges[0]:.2g} to {edges[-1]:.2g}), so it has no diamond."
    )


def map_edges() -> np.ndarray:
    """The σ_max(W) cell edges of the regime map (its grid's geometric midpoints)."""
    return rc.sigma_grid(SIGMA_LOW, SIGMA_HIGH, SIGMA_STEPS)[1]


def share_sum(split: rc.DistanceSplit) -> float:
    """Σ_d p_d, shown next to the chart as a check (1 up to rounding)."""
    return float(np.sum(split.shares))


def power_notice(pp: rc.PowerProfile) -> str:
    """What to notice in the ‖Wⁿ‖ chart, with its numbers."""
    n = min(10, pp.n[-1])
    gap = pp.log_norms[n] - pp.rho_line[n]
    return (
        f"‖Wⁿ‖₂ first rises to {pow10_plain(pp.peak_log_norm, 3)} (n = {pp.peak_n}) although every "
        f"ρ(W) = {pp.rho:g}; at n = {n} it is still {pow10_plain(gap, 1)} times ρⁿ. It never "
        "crosses the bound σ_max(W)ⁿ (red, leaving the chart at the top), and in the end it decays "
        "with slope log₁₀ρ: ρ decides the long run, σ_max every single step."
    )


# --- charts -------------------------------------------------------------------------------------


def _finite(df: pd.DataFrame, column: str) -> pd.DataFrame:
    return df[np.isfinite(df[column].to_numpy(dtype=float))]


def _series_style(series: dict) -> tuple[alt.Color, alt.StrokeDash]:
    """Colour and dash of each named curve, from ``series``: name → (values, colour, dash)."""
    colour = alt.Color(
        "series:N",
        scale=alt.Scale(domain=list(series), range=[c for _, c, _ in series.values()]),
        legend=alt.Legend(title=None, orient="bottom", labelLimit=400),
    )
    dash = alt.StrokeDash(
        "series:N",
        scale=alt.Scale(domain=list(series), range=[d for _, _, d in series.values()]),
        legend=None,
    )
    return colour, dash


@cached_chart
def profile_chart(p: rc.JacobianProfile) -> alt.LayerChart:
    """log₁₀‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂ against d, with the bound d·log₁₀(γσ_max) and d·log₁₀ρ; inf/nan left out."""
    series = {
        "measured ‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂": (p.log_norms, palette.MEASURED, palette.SOLID),
        "bound (γ·σ_max(W))ᵈ": (p.bound, palette.BOUND, palette.BOUND_DASH),
        "linear-case reference ρ(W)ᵈ": (p.linear_reference, palette.REFERENCE, palette.REFERENCE_DASH),
    }
    df = pd.concat(
        [
            pd.DataFrame({"d": p.distances, "log10": values, "series": name})
            for name, (values, _, _) in series.items()
        ]
    )
    df = _finite(df, "log10")
    colour, dash = _series_style(series)
    base = alt.Chart(df).encode(
        x=alt.X("d:Q", title="distance d = T − k (steps)"),
        y=alt.Y("log10:Q", title=AXIS_LOG, axis=alt.Axis(format=",~f")),
        color=colour,
        tooltip=[
            alt.Tooltip("series:N", title="curve"),
            alt.Tooltip("d:Q", title="d = T − k"),
            alt.Tooltip("log10:Q", title="log₁₀ norm", format=".4f"),
        ],
    )
    lines = base.mark_line().encode(strokeDash=dash)
    points = base.transform_filter(alt.datum.series == list(series)[0]).mark_circle(size=28)
    return alt.layer(lines, points).properties(height=320)


@cached_chart
def contribution_chart(C) -> alt.LayerChart:
    """Heatmap of C[s, k] (k on x, s on y, log colour); exact zeros grey, inf/nan left out.

    The data carries s, k, d = s − k and the value only; the cell edges k ± ½, s ± ½ are computed by
    Vega-Lite in the browser, which keeps T = 200 (20 100 cells) light to send.
    """
    C = np.asarray(C, dtype=float)
    T = C.shape[0]
    s, k = np.tril_indices(T)  # k ≤ s: the entries that are path terms
    df = _finite(pd.DataFrame({"s": s + 1, "k": k + 1, "d": s - k, "value": C[s, k]}), "value")
    tooltip = [
        alt.Tooltip("s:Q", title="loss L⁽ˢ⁾, s"),
        alt.Tooltip("k:Q", title="through step k"),
        alt.Tooltip("d:Q", title="distance s − k"),
        alt.Tooltip("value:Q", title="C[s, k]", format=".3e"),
    ]
    x = alt.X(
        "k0:Q", title="step k the path reaches W at", scale=alt.Scale(domain=[0.5, T + 0.5], nice=False)
    )
    y = alt.Y(
        "s0:Q", title="loss L⁽ˢ⁾ at step s", scale=alt.Scale(domain=[0.5, T + 0.5], nice=False, reverse=True)
    )
    edges = dict(k0="datum.k - 0.5", k1="datum.k + 0.5", s0="datum.s - 0.5", s1="datum.s + 0.5")
    base = alt.Chart(df).transform_calculate(**edges).encode(x=x, x2="k1:Q", y=y, y2="s1:Q", tooltip=tooltip)
    positive = (
        base.transform_filter("datum.value > 0")
        .mark_rect()
        .encode(
            color=alt.Color(
                "value:Q",
                scale=alt.Scale(type="log", scheme="viridis"),
                legend=alt.Legend(title="C[s, k] (log scale)", format=".0e"),
            )
        )
    )
    zeros = base.transform_filter("datum.value == 0").mark_rect(color=palette.ZERO)
    return alt.layer(zeros, positive).properties(height=360)


@cached_chart
def distance_chart(split: rc.DistanceSplit) -> alt.VConcatChart:
    """‖G_d‖ (log scale) and the share p_d of ∂L/∂W carried by each distance d = s − k."""
    df = pd.DataFrame({"d": np.arange(split.norms.size), "norm": split.norms, "share": split.shares})
    tooltip = [
        alt.Tooltip("d:Q", title="distance d = s − k"),
        alt.Tooltip("norm:Q", title="‖G_d‖", format=".3e"),
        alt.Tooltip("share:Q", title="share p_d", format=".4f"),
    ]
    T = split.norms.size
    x = alt.X(
        "d:Q",
        title="distance d = s − k (steps)",
        scale=alt.Scale(domain=[-0.5, max(T - 0.5, 1.5)], nice=False, zero=False),
    )
    norms = (
        alt.Chart(df[np.isfinite(df["norm"]) & (df["norm"] > 0)])
        .mark_line(point=True, color=palette.MEASURED)
        .encode(
            x=x, y=alt.Y("norm:Q", title="‖G_d‖_F (log scale)", scale=alt.Scale(type="log")), tooltip=tooltip
        )
        .properties(height=200)
    )
    shares = (
        alt.Chart(_finite(df, "share"))
        .mark_bar(color=palette.BOUND)
        .encode(x=x, y=alt.Y("share:Q", title="share p_d"), tooltip=tooltip)
        .properties(height=200)
    )
    return alt.vconcat(norms, shares)


@cached_chart
def regime_map_chart(
    rmap: rc.RegimeMap, edges, current_sigma: float, current_activation: str, current_value: float
) -> alt.LayerChart:
    """σ_max(W) (log scale) × activation, colour = log₁₀‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂; the 1/γ boundary as ticks;
    the sidebar's network as a marker; exact zeros and nan grey."""
    labels = [ACTIVATION_LABELS[a] for a in rmap.activations]
    rows = []
    for i, label in enumerate(labels):
        for j, sigma in enumerate(rmap.sigmas):
            rows.append(
                dict(
                    activation=label,
                    sigma=float(sigma),
                    lo=float(edges[j]),
                    hi=float(edges[j + 1]),
                    value=float(rmap.log_norms[i, j]),
                    status="finite"
                    if np.isfinite(rmap.log_norms[i, j])
                    else pow10_plain(rmap.log_norms[i, j]),
                )
            )
    df = pd.DataFrame(rows)
    x = alt.X(
        "lo:Q",
        title="σ_max(W) (log scale)",
        scale=alt.Scale(type="log", domain=[float(edges[0]), float(edges[-1])], nice=False),
    )
    y = alt.Y("activation:N", title="activation f", sort=labels)
    tooltip = [
        alt.Tooltip("activation:N", title="activation"),
        alt.Tooltip("sigma:Q", title="σ_max(W)", format=".3f"),
        alt.Tooltip("value:Q", title=f"log₁₀‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂, d = {rmap.distance}", format=".3f"),
    ]
    finite = df[df["status"] == "finite"]
    cells = (
        alt.Chart(finite)
        .mark_rect()
        .encode(
            x=x,
            x2="hi:Q",
            y=y,
            color=alt.Color(
                "value:Q",
                scale=alt.Scale(scheme="redblue", reverse=True, domainMid=0),
                legend=alt.Legend(title=["log₁₀ norm", "(blue: vanishing,", "red: exploding)"]),
            ),
            tooltip=tooltip,
        )
    )
    other = (
        alt.Chart(df[df["status"] != "finite"])
        .mark_rect(color=palette.ZERO)
        .encode(
            x=x,
            x2="hi:Q",
            y=y,
            tooltip=[tooltip[0], tooltip[1], alt.Tooltip("status:N", title="norm")],
        )
    )
    bounds = pd.DataFrame(
        {
            "activation": labels,
            "boundary": [1.0 / rc.ACTIVATIONS[a].gamma for a in rmap.activations],
            "what": "σ_max = 1/γ: below it vanishing is guaranteed",
        }
    )
    ticks = (
        alt.Chart(bounds)
        .mark_tick(color=palette.MARKER, thickness=3, bandSize=1)
        .encode(
            x=alt.X("boundary:Q", scale=alt.Scale(type="log")),
            y=y,
            tooltip=[
                alt.Tooltip("activation:N", title="activation"),
                alt.Tooltip("boundary:Q", title="1/γ", format="g"),
                alt.Tooltip("what:N", title="boundary"),
            ],
        )
    )
    here = pd.DataFrame(
        {
            "activation": [ACTIVATION_LABELS[current_activation]],
            "sigma": [current_sigma],
            "norm": [pow10_plain(current_value)],  # text: the value may be −inf (no JSON number)
            "what": ["the sidebar's network"],
        }
    )
    marker = (
        alt.Chart(here)
        .mark_point(
            shape="diamond", size=160, filled=True, color=palette.MARKER, stroke="white", strokeWidth=1
        )
        .encode(
            x=alt.X("sigma:Q", scale=alt.Scale(type="log")),
            y=y,
            tooltip=[
                alt.Tooltip("what:N", title=""),
                tooltip[0],
                tooltip[1],
                alt.Tooltip("norm:N", title=f"its norm at d = {rmap.distance}"),
            ],
        )
    )
    return alt.layer(cells, other, ticks, marker).properties(height=260)


@cached_chart
def truncation_chart(split: rc.DistanceSplit, tau: int) -> alt.LayerChart:
    """What truncated BPTT of length τ keeps, for every τ: ‖g_τ‖/‖∂L/∂W‖ and cos(g_τ, ∂L/∂W)."""
    T = split.kept.size
    names = ("kept ‖g_τ‖ / ‖∂L/∂W‖", "cosine(g_τ, ∂L/∂W)")
    df = pd.concat(
        [
            pd.DataFrame({"tau": np.arange(1, T + 1), "value": values, "series": name})
            for name, values in zip(names, (split.kept, split.cosine))
        ]
    )
    df = _finite(df, "value")
    lines = (
        alt.Chart(df)
        .mark_line(point=T <= 60)
        .encode(
            x=alt.X(
                "tau:Q",
                title="truncation length τ (steps)",
                scale=alt.Scale(domain=[1, max(T, 2)], nice=False),
            ),
            y=alt.Y("value:Q", title="vs. full ∂L/∂W"),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(domain=list(names), range=[palette.MEASURED, palette.BOUND]),
                legend=alt.Legend(title=None, orient="bottom", labelLimit=400),
            ),
            tooltip=[
                alt.Tooltip("tau:Q", title="τ"),
                alt.Tooltip("series:N", title="curve"),
                alt.Tooltip("value:Q", title="value", format=".6f"),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"tau": [tau], "what": ["your τ"]}))
        .mark_rule(color=palette.MARKER, strokeDash=palette.MARKER_DASH)
        .encode(x="tau:Q", tooltip=[alt.Tooltip("what:N", title=""), alt.Tooltip("tau:Q", title="τ")])
    )
    return alt.layer(lines, rule).properties(height=280)


@cached_chart
def clipping_charts(
    sweep: rc.ClipSweep, threshold: float, norm_before: float
) -> tuple[alt.LayerChart, alt.LayerChart]:
    """Over every threshold: the cosine between clipped and original gradient, and ‖clipped g‖."""
    names = ("norm clipping", "elementwise clipping")
    rows = []
    for name, cos, after in zip(
        names, (sweep.norm_cosine, sweep.elementwise_cosine), (sweep.norm_after, sweep.elementwise_after)
    ):
        rows.append(pd.DataFrame({"theta": sweep.thresholds, "cosine": cos, "after": after, "method": name}))
    df = pd.concat(rows)
    x = alt.X("theta:Q", title="threshold (log scale)", scale=alt.Scale(type="log"))
    colour = alt.Color(
        "method:N",
        scale=alt.Scale(domain=list(names), range=[palette.MEASURED, palette.BOUND]),
        legend=alt.Legend(title=None, orient="bottom", labelLimit=400),
    )
    tooltip = [
        alt.Tooltip("method:N", title="method"),
        alt.Tooltip("theta:Q", title="threshold", format="g"),
        alt.Tooltip("cosine:Q", title="cosine with g", format=".6f"),
        alt.Tooltip("after:Q", title="‖clipped g‖", format=".3e"),
    ]
    marks = pd.DataFrame({"theta": [threshold], "what": ["your threshold"]})
    if np.isfinite(norm_before) and norm_before > 0:
        marks = pd.concat(
            [marks, pd.DataFrame({"theta": [norm_before], "what": ["‖g‖ (norm clipping bites left of it)"]})]
        )
    rules = (
        alt.Chart(marks)
        .mark_rule(color=palette.MARKER, strokeDash=palette.MARKER_DASH)
        .encode(
            x="theta:Q",
            tooltip=[
                alt.Tooltip("what:N", title=""),
                alt.Tooltip("theta:Q", title="threshold", format=".3g"),
            ],
        )
    )
    cos = (
        alt.Chart(_finite(df, "cosine"))
        .mark_line(point=True)
        .encode(x=x, y=alt.Y("cosine:Q", title="cosine(clipped g, g)"), color=colour, tooltip=tooltip)
    )
    pos = df[np.isfinite(df["after"].to_numpy(dtype=float)) & (df["after"] > 0)]
    norm = (
        alt.Chart(pos)
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("after:Q", title="‖clipped g‖ (log scale)", scale=alt.Scale(type="log")),
            color=colour,
            tooltip=tooltip,
        )
    )
    # two charts, not a vconcat: Streamlit cannot fit a vconcat of layers to the page's width
    return alt.layer(cos, rules).properties(height=340), alt.layer(norm, rules).properties(height=340)


@cached_chart
def init_chart(profiles: dict[str, rc.JacobianProfile]) -> alt.LayerChart:
    """The Jacobian profile of the initial network under each W initialisation, with the shared bound."""
    frames = [
        pd.DataFrame({"d": p.distances, "log10": p.log_norms, "init": INIT_LABELS[name]})
        for name, p in profiles.items()
    ]
    df = _finite(pd.concat(frames), "log10")
    names = [INIT_LABELS[n] for n in profiles]
    lines = (
        alt.Chart(df)
        .mark_line()
        .encode(
            x=alt.X("d:Q", title="distance d = T − k (steps)"),
            y=alt.Y("log10:Q", title=AXIS_LOG, axis=alt.Axis(format=",~f")),
            color=alt.Color(
                "init:N",
                scale=alt.Scale(domain=names, range=[INIT_STYLES[n][0] for n in profiles]),
                legend=alt.Legend(title="W initialisation", orient="bottom", symbolType="stroke"),
            ),
            strokeDash=alt.StrokeDash(
                "init:N",
                scale=alt.Scale(domain=names, range=[INIT_STYLES[n][1] for n in profiles]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("init:N", title="W init"),
                alt.Tooltip("d:Q", title="d"),
                alt.Tooltip("log10:Q", title="log₁₀ norm", format=".4f"),
            ],
        )
    )
    first = next(iter(profiles.values()))
    bound = _finite(
        pd.DataFrame({"d": first.distances, "log10": first.bound, "what": "bound (γ·σ_max(W))ᵈ"}), "log10"
    )
    rule = (
        alt.Chart(bound)
        .mark_line(color=palette.BOUND, strokeDash=palette.BOUND_DASH)
        .encode(
            x="d:Q",
            y="log10:Q",
            tooltip=[alt.Tooltip("what:N", title=""), alt.Tooltip("log10:Q", format=".4f")],
        )
    )
    return alt.layer(rule, lines).properties(height=300)


@cached_chart
def power_chart(pp: rc.PowerProfile) -> alt.LayerChart:
    """log₁₀‖Wⁿ‖₂ against n·log₁₀ρ and n·log₁₀σ_max; the σ_max line is cut a few decades above the peak."""
    series = {
        "‖Wⁿ‖₂": (pp.log_norms, palette.MEASURED, palette.SOLID),
        "σ_max(W)ⁿ (the bound)": (pp.sigma_line, palette.BOUND, palette.BOUND_DASH),
        "ρ(W)ⁿ": (pp.rho_line, palette.REFERENCE, palette.REFERENCE_DASH),
    }
    df = _finite(
        pd.concat([pd.DataFrame({"n": pp.n, "log10": v, "series": k}) for k, (v, _, _) in series.items()]),
        "log10",
    )
    top = pp.peak_log_norm + 3
    low = float(df["log10"].min())
    colour, dash = _series_style(series)
    base = alt.Chart(df).encode(
        x=alt.X("n:Q", title="power n"),
        y=alt.Y("log10:Q", title=AXIS_LOG, scale=alt.Scale(domain=[low, top], nice=False)),
        color=colour,
        strokeDash=dash,
        tooltip=[
            alt.Tooltip("series:N", title="curve"),
            alt.Tooltip("n:Q", title="n"),
            alt.Tooltip("log10:Q", title="log₁₀", format=".4f"),
        ],
    )
    peak = pd.DataFrame({"n": [pp.peak_n], "log10": [pp.peak_log_norm], "what": ["peak of ‖Wⁿ‖₂"]})
    dot = (
        alt.Chart(peak)
        .mark_point(shape="diamond", size=140, filled=True, color=palette.MARKER)
        .encode(
            x="n:Q",
            y="log10:Q",
            tooltip=[
                alt.Tooltip("what:N", title=""),
                "n:Q",
                alt.Tooltip("log10:Q", title="log₁₀", format=".4f"),
            ],
        )
    )
    return alt.layer(base.mark_line(point=True, clip=True), dot).properties(height=300)
