r"""The "Update rules" page: its cached calls, its formulas, its charts and the unrolled graph.

The page dissects one loss L⁽ˢ⁾: ∂L⁽ˢ⁾/∂W = Σₖ₌₁ˢ δₖ⁽ˢ⁾ h⁽ᵏ⁻¹⁾ᵀ (x⁽ᵏ⁾ᵀ for U), one term per path
L⁽ˢ⁾ → o⁽ˢ⁾ → h⁽ˢ⁾ → … → h⁽ᵏ⁾ → W. The numbers come from rnn_core; here they are only measured
(norms, shares, relative errors) and shaped into tables, charts, LaTeX and DOT.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import rnn_core as rc
from ui import palette
from ui.chart_cache import cached_chart
from ui.data import live_network
from ui.format import tex_number
from ui.format import time_index as sup
from ui.state import MAX_STEPS, Network

DEFAULT_S = 3  # the homework writes ∂L⁽³⁾/∂W
WRT_OPTIONS = ("W", "U")
# Finite differences cost two forward passes per entry, each as long as the loss it differentiates:
# the entries checked are capped so that one check runs about FD_STEP_BUDGET recurrence steps.
FD_STEP_BUDGET = 12_000
MIN_FD_ENTRIES = 16
MAX_FD_ENTRIES = 256
FD_EPS = 1e-6
FD_TRUST = 1e-4  # a larger disagreement with finite differences is explained on the page
# Σₛ bptt(s=…) runs T backward passes of up to T steps: literal and cheap for short sequences only.
SUM_OVER_S_MAX_T = 64
FULL_TERMS = 3  # terms of the expansion written out before the middle is elided
CACHE = dict(max_entries=128, show_spinner=False)


def loss_delta(before: float, after: float) -> str | None:
    """The change of L over the last step for st.metric, or None when it is not a number."""
    change = after - before if np.isfinite(before) and np.isfinite(after) else np.nan
    return None if np.isnan(change) else format(change, ".3g")


def default_step(T: int) -> int:
    """The loss step the page opens on: the homework's s = 3, or T when the sequence is shorter."""
    return min(DEFAULT_S, T)


# --- the step buttons ---------------------------------------------------------------------------


def take_step() -> None:
    """on_click of "Take one step": one more in the sidebar's URL-bound "steps" count.

    Callbacks run before the script, so the sidebar's widget shows the new count in the same run.
    """
    st.session_state["steps"] = min(int(st.session_state.get("steps", 0)) + 1, MAX_STEPS)


def reset_steps() -> None:
    st.session_state["steps"] = 0


# --- cached calls -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PathReport:
    """The path terms of ∂L⁽ˢ⁾/∂θ measured, and checked three ways.

    norms (s,): ‖term k‖_F for k = 1..s. norm_share (s,): ‖term k‖ / Σ‖terms‖.
    projection_share (s,): ⟨term k, G⟩ / ‖G‖² with G = Σₖ term k (sums to 1; nan when G = 0).
    """

    s: int
    wrt: str
    norms: np.ndarray
    norm_share: np.ndarray
    projection_share: np.ndarray
    total_norm: float  # ‖∂L⁽ˢ⁾/∂θ‖_F
    sum_vs_bptt: float  # rel_error(Σₖ term k, bptt(s=s))
    bptt_vs_fd: float  # rel_error on the checked entries
    fd_entries: int  # how many entries the finite differences checked
    n_entries: int  # how many entries θ has
    first_term: dict  # ‖term 1‖_F for W and for U
    single_vs_full: float  # rel_error(∂L⁽ˢ⁾/∂θ, ∂L/∂θ): how far the homework's update is off
    output_error_norm: float  # ‖∂L⁽ˢ⁾/∂o⁽ˢ⁾‖: every path starts from it
    step_loss: float  # L⁽ˢ⁾

    @property
    def first_term_finite(self) -> bool:
        return bool(np.isfinite(list(self.first_term.values())).all())


def fd_sample_size(n_entries: int, length: int) -> int:
    """How many entries to check by finite differences of a loss that runs ``length`` steps."""
    return min(n_entries, MAX_FD_ENTRIES, max(MIN_FD_ENTRIES, FD_STEP_BUDGET // (2 * length)))


def fd_entries(n_entries: int, seed: int, size: int) -> np.ndarray:
    """Flat indices to check: all ``n_entries`` when ``size`` covers them, else a fixed seeded sample."""
    if n_entries <= size:
        return np.arange(n_entries)
    rng = np.random.default_rng([seed, 2])  # its own stream: the same sample on every rerun
    return np.sort(rng.choice(n_entries, size=size, replace=False))


def _shares(flat: np.ndarray, norms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    total = flat.sum(axis=0)
    norm_sum = norms.sum()
    total_sq = total @ total
    norm_share = norms / norm_sum if norm_sum > 0 else np.full_like(norms, np.nan)
    projection = flat @ total / total_sq if total_sq > 0 else np.full_like(norms, np.nan)
    return norm_share, projection


@st.cache_data(**CACHE)
def path_report(net: Network, steps: int, s: int, wrt: str) -> PathReport:
    """Path terms of ∂L⁽ˢ⁾/∂``wrt`` on ``net`` after ``steps`` steps, with their checks."""
    live = live_network(net, steps)
    params, trace = live.params, live.trace
    # overflowed traces are part of the subject: their inf/nan become nan errors, never warnings
    with np.errstate(all="ignore"):
        terms = rc.path_terms(params, trace, s, wrt=wrt)  # (s, *θ.shape)
        flat = terms.reshape(s, -1)
        norms = np.linalg.norm(flat, axis=1)
        norm_share, projection = _shares(flat, norms)
        grad_s = getattr(rc.bptt(params, trace, s=s), wrt)
        grad = getattr(rc.bptt(params, trace), wrt)
        idx = fd_entries(grad_s.size, net.seed, fd_sample_size(grad_s.size, s))
        # L⁽ˢ⁾ depends on steps 1..s only, so the forward passes stop at s
        numeric = rc.numerical_partial(
            params,
            trace.xs[:s],
            trace.targets[:s],
            wrt=wrt,
            activation=net.activation,
            loss=net.loss,
            eps=FD_EPS,
            s=s,
            entries=idx,
        )
        first = {
            name: float(
                np.linalg.norm(terms[0] if name == wrt else rc.path_terms(params, trace, s, wrt=name)[0])
            )
            for name in WRT_OPTIONS
        }
        return PathReport(
            s=s,
            wrt=wrt,
            norms=norms,
            norm_share=norm_share,
            projection_share=projection,
            total_norm=float(np.linalg.norm(grad_s)),
            sum_vs_bptt=rc.rel_error(terms.sum(axis=0), grad_s),
            bptt_vs_fd=rc.rel_error(grad_s.ravel()[idx], numeric.ravel()[idx]),
            fd_entries=int(idx.size),
            n_entries=int(grad_s.size),
            first_term=first,
            single_vs_full=rc.rel_error(grad_s, grad),
            output_error_norm=float(np.linalg.norm(trace.dL_do()[s - 1])),
            step_loss=float(trace.losses[s - 1]),
        )


@dataclass(frozen=True)
class FullCheck:
    """∂L/∂θ by BPTT checked against a second route: ``route`` is "sum over s" or "finite differences"."""

    route: str
    error: float  # rel_error of the two
    fd_entries: int  # entries compared (all of θ for "sum over s")
    n_entries: int


@st.cache_data(**CACHE)
def full_gradient_check(net: Network, steps: int, wrt: str) -> FullCheck:
    r"""∂L/∂θ by BPTT against Σₛ ∂L⁽ˢ⁾/∂θ (each L⁽ˢ⁾ back-propagated alone), or against finite differences.

    The sum over s needs T backward passes, so it runs for T ≤ SUM_OVER_S_MAX_T; longer sequences
    compare with central differences of L on a seeded sample of entries instead.
    """
    live = live_network(net, steps)
    params, trace = live.params, live.trace
    with np.errstate(all="ignore"):
        full = getattr(rc.bptt(params, trace), wrt)
        if trace.T <= SUM_OVER_S_MAX_T:
            per_loss = sum(getattr(rc.bptt(params, trace, s=s), wrt) for s in range(1, trace.T + 1))
            return FullCheck("sum over s", rc.rel_error(full, per_loss), full.size, full.size)
        idx = fd_entries(full.size, net.seed, fd_sample_size(full.size, trace.T))
        numeric = rc.numerical_partial(
            params,
            trace.xs,
            trace.targets,
            wrt=wrt,
            activation=net.activation,
            loss=net.loss,
            eps=FD_EPS,
            entries=idx,
        )
        error = rc.rel_error(full.ravel()[idx], numeric.ravel()[idx])
        return FullCheck("finite differences", error, int(idx.size), full.size)


def fd_disagreement(report: PathReport, full: FullCheck) -> float | None:
    """The worst finite-difference error shown when it exceeds FD_TRUST (so the page explains it), else None."""
    errors = [report.bptt_vs_fd] + ([full.error] if full.route == "finite differences" else [])
    worst = max((e for e in errors if np.isfinite(e)), default=None)
    return worst if worst is not None and worst > FD_TRUST else None


def fd_scope(checked: int, n_entries: int, wrt: str) -> str:
    """Which entries a finite-difference check compared, as a phrase."""
    if checked >= n_entries:
        return f"all {n_entries} entries of {wrt}"
    return f"a fixed, seeded sample of {checked} of the {n_entries} entries of {wrt}"


# --- tables and charts --------------------------------------------------------------------------


def path_table(report: PathReport) -> pd.DataFrame:
    """One row per path term k = 1..s: distance, norm, both shares, and a note on row k = 1."""
    s, wrt = report.s, report.wrt
    k = np.arange(1, s + 1)
    note = [""] * s
    if wrt == "W":
        note[0] = f"exactly 0: the term is δ₁{sup(s)} h⁽⁰⁾ᵀ and h⁽⁰⁾ = 0"
    else:
        note[0] = f"not 0: the term is δ₁{sup(s)} x⁽¹⁾ᵀ and x⁽¹⁾ ≠ 0"
    return pd.DataFrame(
        {
            "k": k,
            "distance s − k": s - k,
            "‖term k‖_F": report.norms,
            "share of Σ‖terms‖ (%)": 100 * report.norm_share,
            "projection share (%)": 100 * report.projection_share,
            "note": note,
        }
    )


def path_table_config() -> dict:
    return {
        "‖term k‖_F": st.column_config.NumberColumn(format="%.3e"),
        "share of Σ‖terms‖ (%)": st.column_config.NumberColumn(format="%.3g"),
        "projection share (%)": st.column_config.NumberColumn(format="%.3g"),
        "note": st.column_config.TextColumn(width="large"),
    }


def path_chart_data(report: PathReport) -> tuple[pd.DataFrame, str | None]:
    """The bars of the path-norm chart (positive finite norms) and a note for those left out."""
    s = report.s
    k = np.arange(1, s + 1)
    df = pd.DataFrame(
        {
            "k": k,
            "k_lo": k - 0.4,
            "k_hi": k + 0.4,
            "distance": s - k,
            "norm": report.norms,
            "share": report.norm_share,
            "projection": report.projection_share,
            "direction": np.where(report.projection_share < 0, "against the total", "along the total (or 0)"),
        }
    )
    finite = np.isfinite(report.norms)
    positive = finite & (report.norms > 0)
    notes = []
    if (~finite).any():
        notes.append(f"{int((~finite).sum())} term(s) are not numbers (the forward pass overflowed)")
    zeros = k[finite & (report.norms == 0)]
    if zeros.size:
        shown = ", ".join(str(v) for v in zeros[:6]) + (", …" if zeros.size > 6 else "")
        notes.append(f"term(s) k = {shown} are exactly 0 and have no bar on a log scale")
    df = df[positive].reset_index(drop=True)
    if len(df):
        # bars on a log scale need a finite floor to grow from: the decade below the smallest norm
        df["base"] = 10.0 ** np.floor(np.log10(df["norm"].min()))
    return df, ("; ".join(notes) + ".") if notes else None


@cached_chart
def path_norms_chart(df: pd.DataFrame, s: int, wrt: str) -> alt.Chart:
    """Bars of ‖term k‖_F against k on a log scale, coloured by the sign of the projection share."""
    tooltip = [
        alt.Tooltip("k:Q", title="k"),
        alt.Tooltip("distance:Q", title="distance s − k"),
        alt.Tooltip("norm:Q", title="‖term k‖_F", format=".3e"),
        alt.Tooltip("share:Q", title="share of Σ‖terms‖", format=".2%"),
        alt.Tooltip("projection:Q", title="projection share", format=".2%"),
    ]
    return (
        alt.Chart(df, title=f"Path terms of ∂L{sup(s)}/∂{wrt}")
        .mark_bar()
        .encode(
            x=alt.X(
                "k_lo:Q",
                axis=alt.Axis(tickMinStep=1, format="d"),
                title="k, the step where the path reaches " + wrt,
                scale=alt.Scale(domain=[0.5, s + 0.5]),
            ),
            x2="k_hi:Q",
            y2="base:Q",
            y=alt.Y(
                "norm:Q",
                title="‖term k‖_F (Frobenius norm, log scale)",
                scale=alt.Scale(type="log"),
                axis=alt.Axis(format="~e"),
            ),
            color=alt.Color(
                "direction:N",
                title=f"projection on ∂L{sup(s)}/∂{wrt}",
                scale=alt.Scale(
                    domain=["along the total (or 0)", "against the total"],
                    range=[palette.SERIES[0], palette.SERIES[1]],
                ),
            ),
            tooltip=tooltip,
        )
        .properties(height=280)
    )


def loss_chart_data(losses) -> tuple[pd.DataFrame, bool, str | None]:
    """Loss per step (finite, positive values), whether to use a log scale, and a note if any were dropped."""
    losses = np.asarray(losses, dtype=float)
    df = pd.DataFrame({"step": np.arange(losses.size), "L": losses})
    keep = np.isfinite(losses) & (losses > 0)
    note = None
    if not keep.all():
        note = f"{int((~keep).sum())} loss value(s) that are not positive finite numbers are left out."
    kept = losses[keep]
    log = bool(kept.size and kept.max() >= 10 * kept.min())  # spans at least a decade
    return df[keep].reset_index(drop=True), log, note


@cached_chart
def loss_chart(df: pd.DataFrame, log: bool) -> alt.Chart:
    """The running loss L against the number of gradient steps taken."""
    y_title = "L = Σₜ L⁽ᵗ⁾ (nats" + (", log scale)" if log else ")")
    scale = alt.Scale(type="log") if log else alt.Scale(zero=False)
    y = alt.Y("L:Q", title=y_title, scale=scale, axis=alt.Axis(format="~g"))
    return (
        alt.Chart(df, title="Loss after each gradient step")
        .mark_line(point=True)
        .encode(
            x=alt.X("step:Q", title="gradient steps taken", axis=alt.Axis(tickMinStep=1, format="d")),
            y=y,
            tooltip=[alt.Tooltip("step:Q", title="step"), alt.Tooltip("L:Q", title="L", format=".6g")],
        )
        .properties(height=240)
    )


# --- formulas -----------------------------------------------------------------------------------


def gradients_latex(loss: str) -> str:
    """BPTT's backward pass: the output error and the δ recursion, backwards from t = T."""
    if loss == "mse":
        dLdo = r"o^{(t)} - y^{(t)}"
    else:
        dLdo = r"\hat y^{(t)} - \mathbf{1}_{y^{(t)}}"
    return (
        r"\begin{aligned}"
        rf"\frac{{\partial L}}{{\partial o^{{(t)}}}} &= \frac{{\partial L^{{(t)}}}}{{\partial o^{{(t)}}}} = {dLdo} \\"
        r"\frac{\partial L}{\partial h^{(t)}} &= V^\top \frac{\partial L}{\partial o^{(t)}} "
        r"+ W^\top \delta^{(t+1)}, \qquad \delta^{(T+1)} = 0 \\"
        r"\delta^{(t)} = \frac{\partial L}{\partial a^{(t)}} &= "
        r"\operatorname{diag}\bigl(f'(a^{(t)})\bigr)\, \frac{\partial L}{\partial h^{(t)}}"
        r"\end{aligned}"
    )


def weight_gradients_latex() -> str:
    """Each weight gradient as a sum over the steps where the weight was used."""
    return (
        r"\begin{aligned}"
        r"\frac{\partial L}{\partial V} &= \sum_{t=1}^{T} \frac{\partial L^{(t)}}{\partial o^{(t)}}\, h^{(t)\top}"
        r"& \frac{\partial L}{\partial c} &= \sum_{t=1}^{T} \frac{\partial L^{(t)}}{\partial o^{(t)}} \\"
        r"\frac{\partial L}{\partial W} &= \sum_{t=1}^{T} \delta^{(t)}\, h^{(t-1)\top}"
        r"& \frac{\partial L}{\partial b} &= \sum_{t=1}^{T} \delta^{(t)} \\"
        r"\frac{\partial L}{\partial U} &= \sum_{t=1}^{T} \delta^{(t)}\, x^{(t)\top}"
        r"\end{aligned}"
    )


def update_latex(lr: float) -> str:
    """θ ← θ − lr·∂L/∂θ for every parameter, with the current learning rate written in."""
    lr_s = tex_number(lr, "g")
    return (
        r"\begin{aligned}"
        rf"V &\leftarrow V - {lr_s} \cdot \sum_{{t=1}}^{{T}} \frac{{\partial L^{{(t)}}}}{{\partial o^{{(t)}}}}\, h^{{(t)\top}}"
        rf"& c &\leftarrow c - {lr_s} \cdot \sum_{{t=1}}^{{T}} \frac{{\partial L^{{(t)}}}}{{\partial o^{{(t)}}}} \\"
        rf"W &\leftarrow W - {lr_s} \cdot \sum_{{t=1}}^{{T}} \delta^{{(t)}}\, h^{{(t-1)\top}}"
        rf"& b &\leftarrow b - {lr_s} \cdot \sum_{{t=1}}^{{T}} \delta^{{(t)}} \\"
        rf"U &\leftarrow U - {lr_s} \cdot \sum_{{t=1}}^{{T}} \delta^{{(t)}}\, x^{{(t)\top}}"
        r"\end{aligned}"
    )


def _frac(top: str, bottom: str) -> str:
    return rf"\frac{{\partial {top}}}{{\partial {bottom}}}"


def path_term_latex(s: int, k: int, wrt: str, *, max_chain: int = 3) -> str:
    r"""Term k of ∂L⁽ˢ⁾/∂θ as a chain-rule product; a chain of more than ``max_chain`` factors is elided."""
    head = _frac(f"L^{{({s})}}", f"o^{{({s})}}") + r"\," + _frac(f"o^{{({s})}}", f"h^{{({s})}}")
    links = [_frac(f"h^{{({j})}}", f"h^{{({j - 1})}}") for j in range(s, k, -1)]  # j = s..k+1
    if len(links) > max_chain:
        inner = rf"{links[0]}\,{links[1]} \cdots {links[-1]}"
        chain = rf"\underbrace{{{inner}}}_{{{len(links)}\ \text{{factors}}}}"
    else:
        chain = r"\,".join(links)
    last = rf"\frac{{\partial^{{+}} h^{{({k})}}}}{{\partial {wrt}}}"
    return r"\,".join(part for part in (head, chain, last) if part)


def path_expansion_latex(s: int, wrt: str, *, full_terms: int = FULL_TERMS) -> str:
    r"""∂L⁽ˢ⁾/∂θ written as the sum over k = s, s−1, …, 1 of its path terms, one per line.

    With more than ``full_terms`` + 2 terms, the first ``full_terms`` and the last (k = 1) are
    written out and the middle is one line with ⋯ and how many terms it stands for.
    """
    ks = list(range(s, 0, -1))
    if len(ks) > full_terms + 2:  # elide only when at least two terms would be hidden
        hidden = ks[full_terms:-1]
        rows = [(k, path_term_latex(s, k, wrt)) for k in ks[:full_terms]]
        span = f"k = {hidden[0]}" if len(hidden) == 1 else f"k = {hidden[0]}, \\dots, {hidden[-1]}"
        rows.append(
            (None, rf"\cdots \quad \text{{{len(hidden)} more term{'s' if len(hidden) > 1 else ''}, }}{span}")
        )
        rows.append((1, path_term_latex(s, 1, wrt)))
    else:
        rows = [(k, path_term_latex(s, k, wrt)) for k in ks]
    lines = []
    for i, (k, body) in enumerate(rows):
        lhs = _frac(f"L^{{({s})}}", wrt) + " ={}& " if i == 0 else "&+ "
        tag = rf" && (k = {k})" if k is not None else ""
        lines.append(lhs + body + tag)
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


def compact_latex(s: int, wrt: str) -> str:
    """∂L⁽ˢ⁾/∂θ = Σₖ δₖ⁽ˢ⁾ z⁽ᵏ⁾ᵀ with the δ recursion that computes every path at once."""
    z = "h^{(k-1)\\top}" if wrt == "W" else "x^{(k)\\top}"
    return (
        r"\begin{aligned}"
        rf"{_frac(f'L^{{({s})}}', wrt)} &= \sum_{{k=1}}^{{{s}}} \delta_k^{{({s})}}\, {z}, \qquad "
        rf"\delta_k^{{({s})}} = {_frac(f'L^{{({s})}}', 'a^{(k)}')} \\"
        rf"\delta_{{{s}}}^{{({s})}} &= \operatorname{{diag}}\bigl(f'(a^{{({s})}})\bigr)\, V^\top "
        rf"{_frac(f'L^{{({s})}}', f'o^{{({s})}}')}"
        + (
            rf", \qquad \delta_k^{{({s})}} = \operatorname{{diag}}\bigl(f'(a^{{(k)}})\bigr)\, W^\top "
            rf"\delta_{{k+1}}^{{({s})}} \quad (k < {s})"
            if s > 1
            else ""
        )
        + r"\end{aligned}"
    )


def factors_latex(wrt: str, loss: str) -> str:
    """What each factor of a path term is, in the notation of the forward pass."""
    dLdo = r"o^{(s)} - y^{(s)}" if loss == "mse" else r"\hat y^{(s)} - \mathbf{1}_{y^{(s)}}"
    z = r"h^{(k-1)}_j" if wrt == "W" else r"x^{(k)}_j"
    zt = r"h^{(k-1)\top}" if wrt == "W" else r"x^{(k)\top}"
    return (
        r"\begin{gathered}"
        rf"\frac{{\partial L^{{(s)}}}}{{\partial o^{{(s)}}}} = {dLdo}, "
        r"\qquad \frac{\partial o^{(s)}}{\partial h^{(s)}} = V, \qquad "
        r"\frac{\partial h^{(j)}}{\partial h^{(j-1)}} = \operatorname{diag}\bigl(f'(a^{(j)})\bigr)\, W \\"
        rf"\frac{{\partial^{{+}} h^{{(k)}}_i}}{{\partial {wrt}_{{ij}}}} = f'\bigl(a^{{(k)}}_i\bigr)\, {z}"
        rf"\quad\Longrightarrow\quad \text{{term }} k = \delta_k^{{(s)}}\, {zt}"
        r"\end{gathered}"
    )


def v_single_term_latex(s: int) -> str:
    return (
        rf"{_frac(f'L^{{({s})}}', 'V')} = {_frac(f'L^{{({s})}}', f'o^{{({s})}}')}\, "
        rf"{_frac(f'o^{{({s})}}', 'V')} = {_frac(f'L^{{({s})}}', f'o^{{({s})}}')}\, h^{{({s})\top}}"
    )


def full_sum_latex(wrt: str) -> str:
    """∂L/∂θ = Σₛ ∂L⁽ˢ⁾/∂θ: the gradient of the total loss is the sum of the per-loss gradients."""
    zk = r"h^{(k-1)\top}" if wrt == "W" else r"x^{(k)\top}"
    zt = r"h^{(t-1)\top}" if wrt == "W" else r"x^{(t)\top}"
    return (
        rf"{_frac('L', wrt)} = \sum_{{s=1}}^{{T}} {_frac('L^{(s)}', wrt)} "
        rf"= \sum_{{s=1}}^{{T}} \sum_{{k=1}}^{{s}} \delta_k^{{(s)}}\, {zk} "
        rf"= \sum_{{t=1}}^{{T}} \delta^{{(t)}}\, {zt}, \qquad \delta^{{(t)}} = \sum_{{s = t}}^{{T}} \delta_t^{{(s)}}"
    )


@dataclass(frozen=True)
class Mistake:
    title: str
    quote: str  # the homework's words, or None
    quote_latex: str | None
    why: str
    fix_latex: str


def mistakes(s: int, wrt: str, single_vs_full: float) -> list[Mistake]:
    """The homework's errors (DESIGN §6), each quoted, explained and corrected.

    ``single_vs_full`` is rel_error(∂L⁽ˢ⁾/∂θ, ∂L/∂θ) for θ = ``wrt`` on the live network.
    """
    gap = ""
    if np.isfinite(single_vs_full):
        gap = (
            f" On the network in the sidebar, the relative error between ∂L{sup(s)}/∂{wrt} and ∂L/∂{wrt} "
            f"is {single_vs_full:.3g} (‖difference‖_F over the larger norm; 0 would mean equal)."
        )
    return [
        Mistake(
            "Mismatched indices in the V update",
            "The homework writes:",
            r"V = V - lr \cdot \sum_{i=1}^t \frac{\partial L^{(i)}}{\partial o^{(t)}} \cdot "
            r"\frac{\partial o^{(t)}}{\partial V}",
            "L⁽ⁱ⁾ depends on o⁽ᵗ⁾ only when i = t, so every term with i ≠ t is zero and the sum "
            "collapses to one step t; the upper limit t is also the index being differentiated. The "
            "sum must run over the steps t, with the loss and the output of the same step.",
            r"V \leftarrow V - lr \sum_{t=1}^{T} \frac{\partial L^{(t)}}{\partial o^{(t)}}\, "
            r"\frac{\partial o^{(t)}}{\partial V} = V - lr \sum_{t=1}^{T} "
            r"\frac{\partial L^{(t)}}{\partial o^{(t)}}\, h^{(t)\top}",
        ),
        Mistake(
            '"U involves historical data", then the formula for W',
            "The homework writes “The solution of the partial guide of U involves historical data.” "
            "and then:",
            r"W = W - lr \cdot \frac{\partial L^{(3)}}{\partial W}",
            "Both W and U act inside the recurrence a⁽ᵗ⁾ = b + W h⁽ᵗ⁻¹⁾ + U x⁽ᵗ⁾, so both gradients "
            "reach back through earlier steps (a sum over paths); V acts only outside it, on h⁽ᵗ⁾ at "
            "step t, so its gradient has no history.",
            r"\frac{\partial L^{(s)}}{\partial W} = \sum_{k=1}^{s} \delta_k^{(s)} h^{(k-1)\top}, \qquad "
            r"\frac{\partial L^{(s)}}{\partial U} = \sum_{k=1}^{s} \delta_k^{(s)} x^{(k)\top}, \qquad "
            r"\frac{\partial L^{(s)}}{\partial V} = \frac{\partial L^{(s)}}{\partial o^{(s)}} h^{(s)\top}",
        ),
        Mistake(
            "Updating with one loss step instead of the total loss",
            "The homework writes:",
            r"W = W - lr \cdot \frac{\partial L^{(3)}}{\partial W}",
            "The network is trained on L = Σₛ L⁽ˢ⁾; ∂L⁽³⁾/∂W is one of its T pieces. Descending it "
            "alone ignores every other step's loss." + gap,
            r"W \leftarrow W - lr\, \frac{\partial L}{\partial W} = W - lr \sum_{s=1}^{T} "
            r"\frac{\partial L^{(s)}}{\partial W} = W - lr \sum_{t=1}^{T} \delta^{(t)} h^{(t-1)\top}",
        ),
        Mistake(
            "The last factor of each path is an immediate partial",
            "The homework ends its terms with ∂h⁽³⁾/∂W, ∂h⁽²⁾/∂W, ∂h⁽¹⁾/∂W:",
            r"\cdots + \frac{\partial L^{(3)}}{\partial o^{(3)}} \cdot \frac{\partial o^{(3)}}{\partial h^{(3)}}"
            r" \cdot \frac{\partial h^{(3)}}{\partial h^{(2)}} \cdot \frac{\partial h^{(2)}}{\partial W} + \cdots",
            "Read as a total derivative, ∂h⁽²⁾/∂W already contains the path through h⁽¹⁾, which the "
            "next term counts again. Each factor must hold the earlier state fixed: ∂⁺h⁽ᵏ⁾/∂W "
            "differentiates h⁽ᵏ⁾ = f(b + W h⁽ᵏ⁻¹⁾ + U x⁽ᵏ⁾) with h⁽ᵏ⁻¹⁾ treated as a constant.",
            r"\frac{\partial^{+} h^{(k)}_i}{\partial W_{ij}} = f'\bigl(a^{(k)}_i\bigr)\, h^{(k-1)}_j"
            r"\quad\Rightarrow\quad \frac{\partial^{+} h^{(1)}}{\partial W} = 0 \text{ since } h^{(0)} = 0",
        ),
    ]
