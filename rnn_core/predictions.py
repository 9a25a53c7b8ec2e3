r"""Predictions: the right answer of each "predict, then reveal" question, computed from the network.

Each function takes what rnn_core already computed for a page (a profile, a clipping comparison,
a product bound, path-term norms…) and returns a :class:`Prediction`: the labelled options (or
None for a number), the right answer, the tolerance that decides it, the numbers that decide it
(``facts``), and for each wrong option the misconception that makes it tempting
(:data:`MISCONCEPTIONS`). ``answer`` is None when the question cannot be asked of this network
(the numbers it needs are not finite); the page then shows its chart without asking.

    regime_prediction           ‖∂h⁽ᵀ⁾/∂h⁽⁰⁾‖₂ shrinks, grows or stays within REGIME_DECADES
    long_range_clip_prediction  what norm clipping does to the long-range share of ∂L/∂W
    transient_prediction        whether ‖Wⁿ‖₂ of a W with ρ(W) < 1 rises before it decays
    peak_prediction             whether f′ reaches γ = sup|f′|, exceeds it, or stays below it
    gamma_power_prediction      log₁₀ γᵏ, the largest product of k derivatives (a number)
    product_prediction          Πⱼ maxᵢ f′(a⁽ʲ⁾ᵢ) · σ_max(W)ᵀ against 1 (rc.product_bound)
    batch_sum_prediction        ‖∂L/∂θ‖ when the batch holds the same sequence twice (L sums)
    next_step_prediction        whether one step θ ← θ − lr·∂L/∂θ lowers L
    zero_term_prediction        which path terms of ∂L⁽ˢ⁾/∂θ are exactly 0
    keeper_prediction           which cell keeps ‖∂x⁽ᵀ⁾/∂x⁽⁰⁾‖₂ largest (RNN, LSTM, GRU) or a tie
    carousel_prediction         whether Πⱼ diag(f⁽ʲ⁾) describes ∂s⁽ᵀ⁾/∂s⁽ᵀ⁻ᵈ⁾ at every distance
    forget_prediction           whether the forget gate's best unit keeps an error over T steps
    truncation_prediction       whether BPTT truncated to τ keeps any path across ⌊T/2⌋ steps
    bound_prediction            what (γ·σ_max(W))ᵈ allows across d steps: vanish, stay ≤ 1, or grow
    learning_prediction         whether a training run learned (rc.learning_verdict), once it ran
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .activations import get_activation
from .bptt import bptt
from .clipping import ClipComparison, global_norm
from .distance import LongRange
from .forward import forward
from .gate_profiles import CarouselCheck, GateValues, StateProfiles
from .learning import LearningVerdict, truncation_keeps_long_range
from .regimes import REGIME_DECADES, JacobianProfile
from .saturation import ProductBound, grid_check, symmetric_grid
from .spectral import PowerProfile
from .verdicts import bound_verdict

# The misconceptions a wrong option stands for (DESIGN §6 and the usual ones about the bound).
MISCONCEPTIONS = (
    "sigma_above_one",  # σ_max(W) > 1 ⇒ the gradient explodes
    "rho_for_sigma",  # ρ(W) read in place of σ_max(W)
    "derivative_below_one",  # tanh′ < 1 everywhere (never reaches 1), so products must shrink
    "relu_explodes",  # ReLU explodes because f′ = 1
    "bound_is_the_norm",  # the bound (γσ)ᵗ⁻ᵏ read as the norm itself
    "clipping_cures_vanishing",  # clipping also rescues a vanishing gradient
    "clipping_cuts_far",  # clipping removes the large, far-reaching parts
    "mean_for_sum",  # the loss averaged over the batch instead of summed
    "descent_always_lowers",  # a step against the gradient always lowers L
    "every_path_counts",  # every path term is non-zero
    "vanished_is_zero",  # a vanishing term is exactly zero
    "gates_always_keep",  # a gated cell keeps the gradient whatever its gates do
    "carousel_is_exact",  # the conveyor belt Πf is the whole derivative
    "truncation_trims_noise",  # truncated BPTT only drops negligible far terms
)
REL_TOL = 1e-9  # "equal" for ratios and shares computed two ways (rounding is ~1e-15)
NUMBER_DECADES = 0.5  # a predicted log₁₀ within half a decade (×3.2) counts as right
BATCH_RTOL = 1e-6  # ‖g([xs, xs])‖ / ‖g(xs)‖ within this of 2, 1 or ½ (two sums of rounded terms)
PEAK_RTOL = 1e-12  # sup f′ within this of γ is γ
PEAK_A_MAX, PEAK_HALF = 8.0, 4000  # the grid on which f′ is searched: −8..8, holding 0 exactly


@dataclass(frozen=True, eq=False)
class Prediction:
    """One question's right answer, computed, with what decides it.

    ``key`` names the question; ``options`` are the option keys in display order (None: the answer
    is a number); ``answer`` the right option key or number (None: not askable here);
    ``tolerance`` the absolute tolerance of a number (0 for options); ``facts`` the numbers that
    decide it, for the reveal; ``tempting`` maps a wrong option to its misconception.
    """

    key: str
    options: tuple[str, ...] | None
    answer: str | float | None
    tolerance: float = 0.0
    facts: dict = field(default_factory=dict)
    tempting: dict = field(default_factory=dict)

    @property
    def askable(self) -> bool:
        return self.answer is not None

    def misconception(self, response) -> str | None:
        """The misconception (of :data:`MISCONCEPTIONS`) a wrong ``response`` stands for, or None.

        For a number, ``tempting`` is keyed by the side of the answer the response fell on
        ("below" or "above").
        """
        if response is None or self.is_right(response):
            return None
        if self.options is not None:
            return self.tempting.get(response)
        return self.tempting.get("below" if float(response) < float(self.answer) else "above")

    def is_right(self, response) -> bool:
        """Whether ``response`` (an option key, or a number) is the answer (within ``tolerance``)."""
        if self.answer is None or response is None:
            return False
        if self.options is not None:
            if response not in self.options:
                raise ValueError(
                    f"response must be one of {self.options} for {self.key!r}; received {response!r}"
                )
            return response == self.answer
        value = float(response)
        return math.isfinite(value) and abs(value - float(self.answer)) <= self.tolerance


def _close(a: float, b: float, rtol: float = REL_TOL) -> bool:
    return abs(a - b) <= rtol * max(abs(a), abs(b), 1e-300)


# --- Vanishing & exploding --------------------------------------------------------------------


def regime_prediction(profile: JacobianProfile, activation: str) -> Prediction:
    r"""Does $\|\partial h^{(T)}/\partial h^{(0)}\|_2$ shrink below $10^{-1}$, grow above $10$, or neither?

    From ``profile.regime`` (:func:`rnn_core.classify_regime`, threshold REGIME_DECADES): "shrinks"
    for vanishing (or an exactly zero Jacobian), "grows" for exploding, "neither" in between.
    """
    act = get_activation(activation)
    regime, summary = profile.regime, profile.summary
    T = int(profile.distances.size - 1)
    answer = {"vanishing": "shrinks", "zero": "shrinks", "exploding": "grows", "neither": "neither"}.get(
        regime.kind
    )
    verdict = summary.bound
    facts = dict(
        T=T,
        activation=act.name,
        gamma=act.gamma,
        sigma_max=summary.sigma_max,
        rho=summary.rho,
        base=verdict.base,
        base_shown=verdict.shown,
        bound_kind=verdict.kind,
        bound_log=float(profile.bound[-1]),
        log_norm=float(profile.log_norms[-1]),
        regime=regime.kind,
        decades=REGIME_DECADES,
    )
    tempting = {}
    if answer != "grows":
        if act.name in ("relu", "leaky_relu"):
            tempting["grows"] = "relu_explodes"
        elif summary.sigma_max > 1.0:
            tempting["grows"] = "sigma_above_one"
        elif summary.rho > 1.0:
            tempting["grows"] = "rho_for_sigma"
    if answer != "shrinks":
        if act.name in ("tanh", "sigmoid"):
            tempting["shrinks"] = "derivative_below_one"
        elif summary.rho < 1.0 <= summary.sigma_max:
            tempting["shrinks"] = "rho_for_sigma"
    if answer != "neither" and verdict.kind in ("cannot_grow", "may_grow"):
        tempting["neither"] = "bound_is_the_norm"
    return Prediction("regime", ("shrinks", "neither", "grows"), answer, 0.0, facts, tempting)


def long_range_clip_prediction(long: LongRange, clip: ClipComparison) -> Prediction:
    r"""What clipping by norm does to the share $\|G_{\ge\tau}\|/\|\partial L/\partial W\|$: rises, same, falls.

    ``long`` from :func:`rnn_core.long_range` (it measures the share after clipping on the clipped
    gradient), ``clip`` the comparison at the same threshold. Equal within REL_TOL is "same".
    """
    before, after = long.share_before, long.share_after
    facts = dict(
        tau=long.tau,
        threshold=clip.threshold,
        norm_before=clip.norm_before,
        norm_after=clip.norm_after,
        scale=clip.norm_scale,
        clipped=bool(clip.norm_clipped),
        share_before=before,
        share_after=after,
        long_before=long.norm_before,
        long_after=long.norm_after,
    )
    answer = None
    if clip.finite and math.isfinite(before) and math.isfinite(after):
        answer = (
            "same" if _close(before, after) or before == after else "rises" if after > before else "falls"
        )
    tempting = {"rises": "clipping_cures_vanishing", "falls": "clipping_cuts_far"}
    tempting.pop(answer, None)
    return Prediction("clip_long_range", ("rises", "same", "falls"), answer, 0.0, facts, tempting)


def transient_prediction(pp: PowerProfile) -> Prediction:
    r"""Does $\|W^n\|_2$ decay from n = 1, rise above $\|W\|_2$ and then decay, or grow without end?

    From ``pp`` (:func:`rnn_core.power_profile`): "rises_then_decays" when ``pp.transient``;
    otherwise "grows" when ‖Wⁿ‖₂ at the last n is above ‖W‖₂ and ρ(W) ≥ 1, else "decays".
    """
    first, last = float(pp.log_norms[1]), float(pp.log_norms[-1])
    if not (math.isfinite(first) and math.isfinite(last)):
        answer = None
    elif pp.transient:
        answer = "rises_then_decays"
    elif pp.rho >= 1.0 and last > first:
        answer = "grows"
    else:
        answer = "decays"
    facts = dict(
        rho=pp.rho,
        sigma_max=pp.sigma_max,
        peak_n=pp.peak_n,
        growth=pp.growth,
        n_max=int(pp.n[-1]),
        last_log_norm=last,
    )
    tempting = {"decays": "rho_for_sigma", "grows": "sigma_above_one"}
    tempting.pop(answer, None)
    return Prediction("transient", ("decays", "rises_then_decays", "grows"), answer, 0.0, facts, tempting)


# --- Activation derivatives -------------------------------------------------------------------


def peak_prediction(activation: str) -> Prediction:
    r"""Does f′ reach $\gamma = \sup|f'|$ ("reached"), exceed it ("above"), or stay below ("below")?

    Searched on the grid −8..8 (PEAK_HALF points a side, 0 exactly on it) by
    :func:`rnn_core.grid_check`; within PEAK_RTOL of γ is γ.
    """
    act = get_activation(activation)
    check = grid_check(act.name, symmetric_grid(PEAK_A_MAX, PEAK_HALF))
    if check.sup > act.gamma * (1 + PEAK_RTOL):
        answer = "above"
    elif check.sup >= act.gamma * (1 - PEAK_RTOL):
        answer = "reached"
    else:
        answer = "below"
    facts = dict(
        activation=act.name,
        gamma=act.gamma,
        sup=check.sup,
        sup_lo=check.sup_at[0],
        sup_hi=check.sup_at[1],
        at_zero=float(act.df(np.zeros(1))[0]),
        a_max=PEAK_A_MAX,
    )
    tempting = {"below": "derivative_below_one"}
    tempting.pop(answer, None)
    return Prediction("peak", ("below", "reached", "above"), answer, 0.0, facts, tempting)


def gamma_power_prediction(activation: str, k: int) -> Prediction:
    r"""The number $\log_{10}\gamma^k = k\log_{10}\gamma$: the largest $f'(a^{(1)})\cdots f'(a^{(k)})$ can be.

    Right within NUMBER_DECADES.
    """
    act = get_activation(activation)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a whole number ≥ 1 (how many derivatives); received {k!r}")
    answer = int(k) * math.log10(act.gamma)
    facts = dict(activation=act.name, gamma=act.gamma, k=int(k), value=answer)
    tempting = {"below": "derivative_below_one"} if act.gamma == 1.0 else {}
    return Prediction("gamma_power", None, answer, NUMBER_DECADES, facts, tempting)


def product_prediction(bound: ProductBound, activation: str) -> Prediction:
    r"""$\prod_j \max_i f'(a_i^{(j)})\,\sigma_{\max}(W)^T$ against 1: the kind of :func:`rnn_core.product_bound`.

    Options "cut" (a step with every f′ = 0), "shrinks", "cannot_grow", "may_grow"; "not_a_number"
    is not askable.
    """
    act = get_activation(activation)
    options = ("cut", "shrinks", "cannot_grow", "may_grow")
    answer = bound.kind if bound.kind in options else None
    facts = dict(
        activation=act.name,
        gamma=act.gamma,
        T=bound.T,
        sigma_max=bound.sigma_max,
        log10_prod_max=bound.log10_prod_max,
        log10_gamma_power=bound.log10_gamma_power,
        log10_sigma_power=bound.T * math.log10(bound.sigma_max) if bound.sigma_max > 0 else -math.inf,
        log10_bound=bound.log10_bound,
        tolerance=bound.tolerance,
        cut_step=bound.cut_step,
    )
    tempting = {}
    if answer != "may_grow":
        if act.name in ("relu", "leaky_relu"):
            tempting["may_grow"] = "relu_explodes"
        elif bound.sigma_max > 1.0:
            tempting["may_grow"] = "sigma_above_one"
    if answer != "shrinks" and act.name in ("tanh", "sigmoid"):
        tempting["shrinks"] = "derivative_below_one"
    if answer != "cut":
        tempting["cut"] = "vanished_is_zero"
    return Prediction("product", options, answer, 0.0, facts, tempting)


# --- Update rules -----------------------------------------------------------------------------


def batch_sum_prediction(params, xs, targets, *, activation: str, loss: str) -> Prediction:
    r"""$\|\partial L/\partial\theta\|$ for the batch [xs, xs] against xs alone: "double", "same" or "half".

    L sums over the batch, so the ratio is 2 (within REL_TOL). ``xs`` (T, B, D), ``targets`` as for
    :func:`rnn_core.forward`. Not askable when the gradient is 0 or not finite.
    """
    xs = np.asarray(xs, dtype=np.float64)
    targets = np.asarray(targets)
    if xs.ndim != 3 or targets.shape[:2] != xs.shape[:2]:
        raise ValueError(
            f"xs must be (T, B, D) and targets (T, B) or (T, B, K) with the same T, B; "
            f"received xs {xs.shape} and targets {targets.shape}"
        )
    one = forward(params, xs, targets, activation=activation, loss=loss)
    two = forward(
        params,
        np.concatenate([xs, xs], axis=1),  # (T, 2B, D)
        np.concatenate([targets, targets], axis=1),
        activation=activation,
        loss=loss,
    )
    with np.errstate(all="ignore"):
        n1, n2 = global_norm(bptt(params, one)), global_norm(bptt(params, two))
        ratio = n2 / n1 if n1 > 0 else float("nan")
    ratios = {"double": 2.0, "same": 1.0, "half": 0.5}
    answer = next(
        (o for o, r in ratios.items() if math.isfinite(ratio) and _close(ratio, r, BATCH_RTOL)), None
    )
    facts = dict(
        B=int(xs.shape[1]), norm_one=n1, norm_two=n2, ratio=ratio, loss_one=one.loss, loss_two=two.loss
    )
    tempting = {"same": "mean_for_sum"}
    tempting.pop(answer, None)
    return Prediction("batch_sum", ("double", "same", "half"), answer, 0.0, facts, tempting)


def next_step_prediction(loss_now: float, loss_next: float | None, lr: float) -> Prediction:
    r"""Does one step $\theta \leftarrow \theta - \mathrm{lr}\,\partial L/\partial\theta$ lower L ("down"), raise it ("up"), or leave it?

    ``loss_next`` is L after the step (None or non-finite: the step overflowed, "up"). Equal within
    REL_TOL is "same". Not askable when ``loss_now`` is not finite.
    """
    now = float(loss_now)
    after = float("inf") if loss_next is None else float(loss_next)
    if not math.isfinite(now):
        answer = None
    elif not math.isfinite(after):
        answer = "up"
    elif _close(now, after):
        answer = "same"
    else:
        answer = "down" if after < now else "up"
    facts = dict(
        lr=float(lr), loss_now=now, loss_next=after, change=after - now, overflow=not math.isfinite(after)
    )
    tempting = {"down": "descent_always_lowers"}
    tempting.pop(answer, None)
    return Prediction("next_step", ("down", "same", "up"), answer, 0.0, facts, tempting)


def zero_term_prediction(norms, wrt: str) -> Prediction:
    r"""Which path terms k = 1..s of $\partial L^{(s)}/\partial\theta$ are exactly 0 (``norms`` (s,), their ‖·‖_F).

    Options "first" (k = 1 only), "last" (k = s only; absent when s = 1), "none", "other" (any other
    set). Not askable when a norm is not finite.
    """
    norms = np.asarray(norms, dtype=np.float64)
    if norms.ndim != 1 or norms.size < 1:
        raise ValueError(f"norms must have shape (s,) with s ≥ 1; received shape {norms.shape}")
    s = int(norms.size)
    options = ("first", "none", "other") if s == 1 else ("first", "last", "none", "other")
    zero = tuple(int(k) + 1 for k in np.flatnonzero(norms == 0.0))
    if not np.isfinite(norms).all():
        answer = None
    elif not zero:
        answer = "none"
    elif zero == (1,):
        answer = "first"
    elif zero == (s,):
        answer = "last"
    else:
        answer = "other"
    nonzero = norms[norms > 0]
    facts = dict(
        s=s,
        wrt=wrt,
        zero=zero,
        n_zero=len(zero),
        first_norm=float(norms[0]),
        smallest=float(nonzero.min()) if nonzero.size else 0.0,
        largest=float(norms.max()),
    )
    tempting = {"none": "every_path_counts", "other": "vanished_is_zero"}
    tempting.pop(answer, None)
    return Prediction("zero_term", options, answer, 0.0, facts, tempting)


# --- Gates --------------------------------------------------------------------------------------


def keeper_prediction(profiles: StateProfiles) -> Prediction:
    r"""Which cell's $\|\partial x^{(T)}/\partial x^{(0)}\|_2$ is largest, or "similar" when the two largest
    are within ``profiles.tolerance`` decades. Not askable when a norm is nan.

    ``profiles`` from :func:`rnn_core.state_profiles` (rows in ``profiles.cells``).
    """
    ends = np.asarray(profiles.log_norms, dtype=np.float64)[:, -1]  # (n,) ℓ_T of each cell
    cells = tuple(profiles.cells)
    options = (*cells, "similar")
    if np.isnan(ends).any():
        answer = None
    else:
        order = np.argsort(ends)[::-1]
        best, second = ends[order[0]], ends[order[1]]
        tie = best == second or (math.isfinite(best) and best - second <= profiles.tolerance)
        answer = "similar" if tie else cells[int(order[0])]
    facts = dict(
        T=int(profiles.distances[-1]),
        tolerance=profiles.tolerance,
        **{f"log_norm_{c}": float(e) for c, e in zip(cells, ends)},
    )
    tempting = {c: "gates_always_keep" for c in cells if c != "rnn" and c != answer}
    return Prediction("keeper", options, answer, 0.0, facts, tempting)


def carousel_prediction(check: CarouselCheck) -> Prediction:
    r"""Does $\prod_j \mathrm{diag}(f^{(j)})$ stay within ``check.tolerance`` decades of
    $\partial s^{(T)}/\partial s^{(T-d)}$ at every d ("holds"), or part from it ("parts")?"""
    answer = check.kind if check.kind in ("holds", "parts") else None
    facts = dict(
        T=int(check.distances[-1]),
        tolerance=check.tolerance,
        first_apart=check.first_apart,
        gap_at_end=float(check.gap_at_end),
        direct_end=float(check.direct[-1]),
        exact_end=float(check.exact[-1]),
    )
    tempting = {"holds": "carousel_is_exact"} if answer == "parts" else {}
    return Prediction("carousel", ("holds", "parts"), answer, 0.0, facts, tempting)


def forget_prediction(gate: GateValues, bias: float) -> Prediction:
    r"""Does the best unit's $\prod_j f_i^{(j)}$ over all T steps stay above $10^{-	ext{tol}}$ ("keeps")
    or fall below ("forgets")? ``gate`` from :func:`rnn_core.gate_values`, ``bias`` its b^f."""
    answer = gate.kind if gate.kind in ("keeps", "forgets") else None
    facts = dict(
        gate=gate.gate,
        bias=float(bias),
        T=int(gate.distances[-1]),
        tolerance=gate.tolerance,
        best_end=float(gate.best[-1]),
        median_end=float(gate.median[-1]),
        mean=float(gate.mean),
        geometric_mean=float(gate.geometric_mean),
        at_rest=float(np.mean(gate.at_rest)),
        half_life=float(gate.half_life),
    )
    tempting = {"keeps": "gates_always_keep"} if answer == "forgets" else {}
    return Prediction("forget", ("keeps", "forgets"), answer, 0.0, facts, tempting)


# --- Training lab -------------------------------------------------------------------------------


def truncation_prediction(T: int, tau: int | None) -> Prediction:
    r"""Does BPTT truncated to τ keep a path of distance $s - k \ge \lfloor T/2\rfloor$ ("keeps") or not
    ("drops")? ``tau`` None or 0: full BPTT. From :func:`rnn_core.truncation_keeps_long_range`."""
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 1:
        raise ValueError(f"T must be a whole number ≥ 1; received {T!r}")
    truncate = None if not tau else int(tau)
    answer = "keeps" if truncation_keeps_long_range(int(T), truncate) else "drops"
    facts = dict(T=int(T), tau=truncate or 0, half=int(T) // 2, longest=int(T) - 1)
    tempting = {"keeps": "truncation_trims_noise"} if answer == "drops" else {}
    return Prediction("truncation", ("keeps", "drops"), answer, 0.0, facts, tempting)


def bound_prediction(activation: str, sigma_max: float, distance: int) -> Prediction:
    r"""What $(\gamma\,\sigma_{\max}(W))^d$ allows across ``distance`` d steps: "vanishes" (base < 1,
    or W = 0), "cannot_grow" (base 1 within rc.BOUND_RTOL), "may_grow" (base > 1); from
    :func:`rnn_core.bound_verdict`. Not askable when σ_max(W) is not finite."""
    act = get_activation(activation)
    if isinstance(distance, bool) or not isinstance(distance, (int, np.integer)) or distance < 1:
        raise ValueError(f"distance must be a whole number ≥ 1; received {distance!r}")
    verdict = bound_verdict(act.gamma, sigma_max)
    answer = {
        "vanishes": "vanishes",
        "zero": "vanishes",
        "cannot_grow": "cannot_grow",
        "may_grow": "may_grow",
    }.get(verdict.kind)
    with np.errstate(divide="ignore"):
        bound_log = int(distance) * float(np.log10(verdict.base)) if answer else float("nan")
    facts = dict(
        activation=act.name,
        gamma=act.gamma,
        sigma_max=float(sigma_max),
        base=verdict.base,
        base_shown=verdict.shown,
        kind=verdict.kind,
        distance=int(distance),
        bound_log=bound_log,
    )
    tempting = {}
    if answer != "may_grow":
        if act.name in ("relu", "leaky_relu"):
            tempting["may_grow"] = "relu_explodes"
        elif sigma_max > 1.0:
            tempting["may_grow"] = "sigma_above_one"
    if answer != "vanishes" and act.name in ("tanh", "sigmoid"):
        tempting["vanishes"] = "derivative_below_one"
    return Prediction("bound", ("vanishes", "cannot_grow", "may_grow"), answer, 0.0, facts, tempting)


LEARNING_OPTIONS = ("learned", "partly", "not learned", "diverged")


def learning_prediction(verdict: LearningVerdict | None, *, clip: str = "none") -> Prediction:
    r"""Did the run learn? The kind of :func:`rnn_core.learning_verdict` among :data:`LEARNING_OPTIONS`.

    ``verdict`` None: the run has not been trained yet; the answer is None and ``facts["pending"]``
    True (the question can be committed before the run, and revealed with it). ``clip`` the run's
    clipping ("none", "norm", "elementwise"): a clipped run that did not learn names the
    misconception that clipping cures vanishing.
    """
    if verdict is None:
        return Prediction("learning", LEARNING_OPTIONS, None, 0.0, dict(pending=True, clip=clip), {})
    answer = verdict.kind if verdict.kind in LEARNING_OPTIONS else None
    facts = dict(
        pending=False,
        clip=clip,
        kind=verdict.kind,
        final_ratio=float(verdict.final_ratio),
        reference_ratio=float(verdict.reference_ratio),
        below_reference=verdict.below_reference,
        steps=int(verdict.steps),
        window=int(verdict.window),
    )
    tempting = {}
    if clip != "none" and answer in ("partly", "not learned"):
        tempting["learned"] = "clipping_cures_vanishing"
    return Prediction("learning", LEARNING_OPTIONS, answer, 0.0, facts, tempting)
