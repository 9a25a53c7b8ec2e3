"""Every sentence of the Vanishing & exploding page: templates with named fields, and the small
functions that choose one from computed values and fill it (ui.format-ted numbers, ui.i18n.say).

Metrics come as :class:`Metric` rows (label, value, help) so that a page draws them without
writing a word of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import rnn_core as rc
from ui import formulas
from ui.format import number, pow10, pow10_plain, tex_number
from ui.i18n import say, say_n
from ui.state import ACTIVATION_LABELS, INIT_LABELS


@dataclass(frozen=True)
class Metric:
    label: str
    value: str
    help: str | None = None


def clip_label(threshold: float) -> str:
    """The select_slider's label for a threshold, which is also its URL value: short, no spaces."""
    return number(threshold, "g")


# --- the page's frame ---------------------------------------------------------------------------

TITLE = "Vanishing & exploding gradients"
INTRO = (
    "The loss at step s reaches the weights at an earlier step k only through the chain "
    "h⁽ᵏ⁾ → h⁽ᵏ⁺¹⁾ → … → h⁽ˢ⁾. Each link multiplies the error by the Jacobian "
    "∂h⁽ʲ⁾/∂h⁽ʲ⁻¹⁾ = diag(f′(a⁽ʲ⁾)) W, so an error that travels d steps is multiplied by d such "
    "matrices. A product of many matrices shrinks or grows geometrically: the error from far away "
    "either **vanishes** (W learns nothing about long-range dependencies) or **explodes** (one "
    "gradient step throws the weights away). With γ = sup|f′| and σ_max(W) the largest singular "
    "value of W, each factor has norm at most γ·σ_max(W):"
)
INTRO_BOUND = (
    "So σ_max(W) < 1/γ is enough for vanishing; σ_max(W) > 1/γ is needed for explosion but does "
    "not cause it (Pascanu, Mikolov & Bengio 2013). {gammas} {live}"
)
GAMMA_GROUP = "γ = {gamma} for {names}"
GAMMA_GROUPS = "{groups}."
LIVE_INITIAL = "Everything below is computed live on the network set in the sidebar."
LIVE_TRAINED = (
    "Everything below is computed live on the network set in the sidebar, after {n} gradient step.",
    "Everything below is computed live on the network set in the sidebar, after {n} gradient steps.",
)


def gamma_sentence() -> str:
    """γ = sup|f′| for every activation, from rnn_core.ACTIVATIONS (grouped by value)."""
    groups: dict[float, list[str]] = {}
    for name, act in rc.ACTIVATIONS.items():
        groups.setdefault(act.gamma, []).append(ACTIVATION_LABELS[name])
    parts = [say(GAMMA_GROUP, gamma=number(g, "g"), names=", ".join(n)) for g, n in sorted(groups.items())]
    return say(GAMMA_GROUPS, groups="; ".join(parts))


def intro_bound(steps_done: int) -> str:
    """What the bound implies, γ of each activation, and which network the page shows."""
    live = say_n(*LIVE_TRAINED, steps_done) if steps_done else say(LIVE_INITIAL)
    return say(INTRO_BOUND, gammas=gamma_sentence(), live=live)


# --- the sections that open: what each holds, said in its label ------------------------------

SECTION_WHAT = {
    "paths": "The ledger C[s, k], one path term's chain of Jacobians, ∂L/∂W split by distance",
    "map": "The regime map: ‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂ over σ_max(W) for every activation",
    "truncation": "What truncation at τ keeps and drops of ∂L/∂W",
    "clipping": "Norm and elementwise clipping of ∂L/∂W, at a threshold and over all of them",
    "init": "The Jacobian profile of each W initialisation at this σ_max(W)",
    "nonnormal": "‖Wⁿ‖₂ of a non-normal W against ρ(W)ⁿ and σ_max(W)ⁿ",
}
# the label of a section that starts closed (ui.vanishing.sections.DEFAULT_OPEN)
SECTION_ON_OPEN = "{what} · computed when you open it"
SECTION_EXPECTED = "true (open) or false (closed)"
SECTION_OPEN, SECTION_CLOSED = "the section open", "the section closed"
TAU_OF_CLOSED = (
    "The long-range part below is split at τ = {tau}, the truncation length's default: its section "
    "above is closed."
)


def section_label(name: str, opens: bool) -> str:
    """The label of section ``name``: what it holds, and when ``opens`` is False (it starts closed)
    that it is computed when opened."""
    what = say(SECTION_WHAT[name])
    return what if opens else say(SECTION_ON_OPEN, what=what)


# --- 1. the Jacobian profile --------------------------------------------------------------------

HEADER_PROFILE = "1. How far back does the gradient reach?"
SIGMA = "σ_max(W)"
SIGMA_HELP = "Largest singular value of W: ‖W‖₂."
RHO = "ρ(W)"
RHO_HELP = "Spectral radius: the largest |eigenvalue| of W."
GAMMA = "γ of {activation}"
GAMMA_HELP = "γ = sup|f′(a)|."
BASE = "γ·σ_max(W)"
BASE_HELP = "The base of the bound (γ·σ_max(W))ᵈ."
END_NORM = "log₁₀‖∂h⁽ᵀ⁾/∂h⁽⁰⁾‖₂"
END_NORM_HELP = "The norm across all T = {T} steps, as its log₁₀ (finite even beyond float64): {norm}."
PROFILE_NOTICE = (
    "the measured curve (blue) always stays under the bound (red, dashed); its slope is the log of "
    "the average factor per step. The grey line is what a linear network with a normal W of the "
    "same ρ(W) would give: for a non-normal W it is not a bound (see section 5). Computed in log "
    "space, so the curve stays finite where the norm itself overflows float64."
)


def profile_metrics(p: rc.JacobianProfile, activation: str, T: int) -> list[Metric]:
    s, bound = p.summary, p.verdict
    return [
        Metric(say(SIGMA), bound.sigma_shown, say(SIGMA_HELP)),
        Metric(say(RHO), number(s.rho, ".4g"), say(RHO_HELP)),
        Metric(say(GAMMA, activation=ACTIVATION_LABELS[activation]), number(s.gamma, "g"), say(GAMMA_HELP)),
        Metric(say(BASE), bound.shown, say(BASE_HELP)),
        Metric(
            say(END_NORM),
            number(p.log_norms[-1], ".2f"),
            say(END_NORM_HELP, T=T, norm=pow10_plain(p.log_norms[-1])),
        ),
    ]


def bound_formula(s: rc.SpectralSummary, activation: str) -> str:
    """γ·σ_max(W) with this network's numbers, compared with 1 by its rc.BoundVerdict (within
    rc.BOUND_RTOL: 1.0000000000000002 is "= 1"), printed with the digits that show the comparison."""
    bound = s.bound
    digits = f".{bound.digits}g"
    sigma = tex_number(1.0 / s.gamma) if bound.kind == "cannot_grow" else tex_number(s.sigma_max, digits)
    base = bound.shown if bound.kind in ("cannot_grow", "zero") else tex_number(bound.base, digits)
    return formulas.bound_values_latex(
        ACTIVATION_LABELS[activation],
        number(s.gamma, "g"),
        sigma,
        base,
        bound.relation or "?",
        tex_number(s.rho),
    )


REGIME_LABELS = {
    "vanishing": "vanishing",
    "exploding": "exploding",
    "neither": "neither vanishing nor exploding",
    "zero": "cut off (exactly zero)",
    "undefined": "undefined (nan)",
}
REGIME_ZERO = (
    "**Regime: {regime}.** From distance d = {d} on, ∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾ is exactly the zero matrix: at some "
    "step every path is cut ({reason}), so nothing crosses that step. Longer paths carry no gradient at all."
)
REGIME_UNDEFINED = (
    "**Regime: {regime}.** The forward pass produced nan, so the Jacobians beyond that step are not numbers."
)
REGIME_MEASURED = (
    "**Regime: {regime}.** Over the whole sequence (d = {d} steps) the norm goes from 1 to {norm}: "
    "×{per_step} per step on average. {why}"
)
BOUND_BASE = "γ·σ_max(W) = {base}"
WHY_GUARANTEED = "Guaranteed: {base} < 1, so the bound itself shrinks geometrically."
NOT_FORCED = "The bound does not force this ({base} > 1)."
NOT_FORCED_AT_ONE = "The bound does not force this: γ·σ_max(W) = 1 only says that the norm cannot grow."
WHY_WEIGHTS = (
    "{not_forced} W does the shrinking: its powers fall on their own, ‖Wᵈ‖₂ = {power} is {weights} "
    "decades below σ_max(W)ᵈ (ρ(W) = {rho}, and ‖Wⁿ‖^(1/n) → ρ). {derivatives_part}"
)
DERIVATIVES_NONE = "f′ ≡ 1 = γ here, so the derivatives take nothing away."
DERIVATIVES_SMALL = "The derivatives f′ change it by only {derivatives} decades."
WHY_DERIVATIVES = (
    "{not_forced} Nor does W: ‖Wᵈ‖₂ stays within {weights} decades of σ_max(W)ᵈ. The derivatives do "
    "the shrinking: {shortfall}, which costs {derivatives} decades against γᵈ."
)
WHY_BOTH = (
    "{not_forced} Both W and the derivatives shrink it: ‖Wᵈ‖₂ = {power} is {weights} decades below "
    "σ_max(W)ᵈ, and {shortfall}, which costs {derivatives} decades more against γᵈ."
)
SHORTFALL_SATURATED = (
    "f′(a⁽ʲ⁾ᵢ) averages {ratio}·γ over the d·H unit-steps (it reaches γ only at a = 0 and falls "
    "towards 0 as a unit saturates)"
)
SHORTFALL_OFF = "{below} of the d·H unit-steps have the unit off (a ≤ 0, so f′ = {slope})"
WHY_EXPLODING = (
    "{base} > 1 made it possible (that is necessary, not sufficient); along this sequence the "
    "derivatives f′(a⁽ʲ⁾) and the directions W stretches let it happen."
)
WHY_EDGE = (
    "At ×{per_step} per step even {edge} steps change the norm less than tenfold: errors from the "
    "start of the sequence arrive within a factor of 10 of their size. The edge between the regimes."
)
WHY_SHORT_RATE = (
    "At ×{per_step} per step the norm changes tenfold every {per_decade} steps; {d} step(s) are too "
    "few to show a regime."
)
WHY_TOO_SHORT = "{base} < 1, so it must vanish over longer distances; {d} step(s) are too few to show it."

CUT_RELU = "every ReLU unit is off there (a ≤ 0, so f′ = 0)"
CUT_SATURATED = "every unit is saturated so far there that f′(a) underflows to 0 in float64"
CUT_OTHER = "the derivatives and W together map every direction to 0 there"


def cut_reason(activation: str) -> str:
    """Why every path through a step can be cut exactly, for this activation."""
    if activation == "relu":
        return say(CUT_RELU)
    if activation in ("tanh", "sigmoid"):
        return say(CUT_SATURATED)
    return say(CUT_OTHER)


def regime_why(p: rc.JacobianProfile) -> str:
    """The template saying why a measured regime (vanishing, exploding, neither) holds: chosen by the
    bound's verdict (rc.BoundVerdict), the regime's trend and the cause verdict (rc.ShrinkCause)."""
    r, bound, cause = p.regime, p.verdict, p.cause
    if r.kind == "vanishing":
        if bound.vanishing_guaranteed:
            return WHY_GUARANTEED
        return {"weights": WHY_WEIGHTS, "derivatives": WHY_DERIVATIVES}.get(cause.kind, WHY_BOTH)
    if r.kind == "exploding":
        return WHY_EXPLODING
    if bound.vanishing_guaranteed:
        return WHY_TOO_SHORT
    return WHY_EDGE if r.trend == "flat" else WHY_SHORT_RATE


def shortfall_clause(cause: rc.ShrinkCause, activation: str) -> str:
    """What f′ < γ was along the sequence: saturated units, or units off (ReLU, leaky ReLU)."""
    below = number(cause.below_gamma, ".0%")
    if cause.shortfall == "off":
        slope = number(rc.LEAKY_SLOPE if activation == "leaky_relu" else 0.0, "g")
        return say(SHORTFALL_OFF, below=below, slope=slope)
    return say(SHORTFALL_SATURATED, ratio=number(cause.mean_ratio, ".2f"))


def regime_text(p: rc.JacobianProfile, activation: str) -> str:
    """Which regime the network is in, in words, with the numbers that decide it."""
    r, bound, cause = p.regime, p.verdict, p.cause
    label = say(REGIME_LABELS[r.kind])
    if r.kind == "zero":
        return say(REGIME_ZERO, regime=label, d=r.distance, reason=cut_reason(activation))
    if r.kind == "undefined":
        return say(REGIME_UNDEFINED, regime=label)
    template = regime_why(p)
    base = say(BOUND_BASE, base=bound.shown)
    fields = dict(base=base, d=r.distance, per_step=number(r.per_step), edge=rc.EDGE_STEPS)
    fields["per_decade"] = number(r.steps_per_decade, ".3g")
    if cause is not None:
        derivatives = number(abs(cause.derivatives), ".2f")
        fields.update(
            not_forced=say(NOT_FORCED_AT_ONE) if bound.kind == "cannot_grow" else say(NOT_FORCED, base=base),
            power=pow10(cause.power_log_norm),
            weights=number(max(cause.weights, 0.0), ".2f"),  # ≥ 0; rounding can give −1e-16
            rho=number(p.summary.rho, ".4g"),
            derivatives=derivatives,
            shortfall=shortfall_clause(cause, activation),
            derivatives_part=say(
                DERIVATIVES_NONE if cause.shortfall == "none" else DERIVATIVES_SMALL, derivatives=derivatives
            ),
        )
    return say(
        REGIME_MEASURED,
        regime=label,
        d=r.distance,
        norm=pow10(r.log_norm),
        per_step=number(r.per_step),
        why=say(template, **fields),
    )


PROFILE_ZERO = (
    "{n} distance, from d = {d} on, has ∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾ = 0 exactly (log₁₀ 0 = −∞) and is left out of "
    "the chart: every path through some step is cut: {reason}.",
    "{n} distances, from d = {d} on, have ∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾ = 0 exactly (log₁₀ 0 = −∞) and are left out "
    "of the chart: every path through some step is cut: {reason}.",
)
PROFILE_NAN = (
    "{n} distance, from d = {d} on, is not a number and is left out of the chart. {why}",
    "{n} distances, from d = {d} on, are not numbers and are left out of the chart. {why}",
)
FORWARD_NAN = "The forward pass produced nan."


def profile_notes(p: rc.JacobianProfile, activation: str, overflow: str | None) -> list[str]:
    """Sentences for distances whose log norm is −inf (zero Jacobian) or nan (left out of the chart)."""
    notes = []
    zero = np.isneginf(p.log_norms)
    if zero.any():
        d = int(np.argmax(zero))
        notes.append(say_n(*PROFILE_ZERO, int(zero.sum()), d=d, reason=cut_reason(activation)))
    nan = np.isnan(p.log_norms)
    if nan.any():
        notes.append(
            say_n(*PROFILE_NAN, int(nan.sum()), d=int(np.argmax(nan)), why=overflow or say(FORWARD_NAN))
        )
    return notes


# --- 2. the contribution ledger -----------------------------------------------------------------

HEADER_PATHS = "2. Which paths carry ∂L/∂W?"
PATHS_INTRO = (
    "∂L/∂W sums one term δₖ⁽ˢ⁾ h⁽ᵏ⁻¹⁾ᵀ for every loss L⁽ˢ⁾ and every earlier step k ≤ s: the path "
    "L⁽ˢ⁾ → o⁽ˢ⁾ → h⁽ˢ⁾ → … → h⁽ᵏ⁾ → W, which crosses d = s − k steps. C[s, k] is the size of that "
    "term. Grouping the terms by distance gives G_d; its share p_d says how much of the gradient "
    "comes from dependencies d steps long."
)
CONTRIBUTION_WHAT = "C[s, k]"
CONTRIBUTION_NOTICE = (
    "the diagonal (s = k, distance 0) is the short path straight from L⁽ˢ⁾; moving left along a "
    "row goes further back in time. When gradients vanish the colour fades by decades away from "
    "the diagonal; when they explode it brightens. Grey cells are exactly zero: the whole column "
    "k = 1, because that term is δ₁⁽ˢ⁾h⁽⁰⁾ᵀ and h⁽⁰⁾ = 0, and any path cut by f′ = 0 (ReLU units off, "
    "or tanh and sigmoid units saturated so far that f′ underflows float64)."
)
DISTANCE_NOTICE = (
    "top: the size of each distance's part G_d (log scale); bottom: its share p_d of ∂L/∂W, "
    "which sum to 1 (a negative share points against the total). Vanishing gradients put nearly "
    "all of the share at small d: W is trained almost only by short dependencies. (G at "
    "d = T − 1 is the single term through k = 1, zero because h⁽⁰⁾ = 0, so the log scale leaves "
    "it out.)"
)
GRAD_NORM = "‖∂L/∂W‖_F"
RECONCILE = "Σ_d G_d vs BPTT's ∂L/∂W"
RECONCILE_HELP = "Relative error ‖Σ_d G_d − ∂L/∂W‖/‖∂L/∂W‖ between the distance split and rnn_core.bptt."
SHARE_SUM = "Σ_d p_d"
SHARE_SUM_HELP = "The shares sum to 1."
ZERO_GRADIENT = "∂L/∂W is exactly zero here, so its shares, cosines and ratios are not defined. {why}"
ZERO_ONE_STEP = "With T = 1 its only term is δ⁽¹⁾h⁽⁰⁾ᵀ, and h⁽⁰⁾ = 0."
ZERO_CUT = (
    "Every path term δₖ⁽ˢ⁾h⁽ᵏ⁻¹⁾ᵀ is zero: each δₖ⁽ˢ⁾ = f′(a⁽ᵏ⁾) ⊙ ∂L⁽ˢ⁾/∂h⁽ᵏ⁾ has f′ = 0 "
    "exactly, because the units are off (ReLU) or saturated so far that f′ underflows float64 "
    "(tanh, sigmoid with |a| in the hundreds)."
)


def accounting_metrics(split: rc.DistanceSplit, reconcile: float, share_sum: float) -> list[Metric]:
    return [
        Metric(say(GRAD_NORM), number(split.total_norm, ".4g")),
        Metric(say(RECONCILE), number(reconcile, ".1e"), say(RECONCILE_HELP)),
        Metric(say(SHARE_SUM), number(share_sum, ".12f"), say(SHARE_SUM_HELP)),
    ]


def zero_gradient_note(split: rc.DistanceSplit, T: int) -> str | None:
    """Why shares and ratios are missing when ∂L/∂W is exactly zero, or None when it is not."""
    if split.total_norm != 0.0:
        return None
    return say(ZERO_GRADIENT, why=say(ZERO_ONE_STEP if T == 1 else ZERO_CUT))


# --- 3. the regime map --------------------------------------------------------------------------

HEADER_MAP = "3. The regime map"
MAP_INTRO = (
    "Which of the two regimes a network lands in depends mostly on σ_max(W) and the activation. "
    "Each cell below is a network with the sidebar's H, T, D, seed and W initialisation, W rescaled "
    "so that σ_max(W) is the cell's column, and the row's activation; the colour is "
    "log₁₀‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂ at the distance d you pick. Black ticks mark σ_max(W) = 1/γ: to their "
    "left vanishing is guaranteed."
)
DIST_LABEL = "Distance d (steps back from T)"
DIST_HELP = "The map shows ‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂: how much of an error survives d steps back from the last step."
DIST_ONE_STEP = "T = 1: the only distance is d = 1."
MAP_NOTICE = (
    "blue cells vanish, red cells explode, white is the edge between them. The black ticks sit at "
    "σ_max(W) = 1/γ ({edges}); left of them vanishing is guaranteed. The measured edge lies at "
    "or right of them: the bound needs f′ = γ at every unit and step, and real pre-activations "
    "give less (tanh′ and sigmoid′ reach γ only at a = 0). ReLU's f′ = 1 only removes the "
    "damping: whether the norm grows is decided by W on the active units. Move d: the colours "
    "deepen with distance while the edge settles. The diamond is your network."
)
MAP_EDGE = "{activation} {edge}"
MARKER_OUTSIDE = (
    "Your network's σ_max(W) = {sigma} lies outside the map ({low} to {high}), so it has no diamond."
)
MAP_TRAINED = (
    "The map's networks are untrained; the diamond is your network after {n} gradient step, placed "
    "at its current σ_max(W).",
    "The map's networks are untrained; the diamond is your network after {n} gradient steps, placed "
    "at its current σ_max(W).",
)
MAP_ZERO = (
    "{n} grey cell has ∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾ = 0 exactly (log₁₀ 0 = −∞): at some step of the last d = {d} "
    "every path was cut (ReLU units all off).",
    "{n} grey cells have ∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾ = 0 exactly (log₁₀ 0 = −∞): at some step of the last d = {d} "
    "every path was cut (ReLU units all off).",
)
MAP_NAN = (
    "{n} grey cell is not a number: the forward pass of that network produced nan.",
    "{n} grey cells are not numbers: the forward pass of that network produced nan.",
)
MAP_ACCURACY = (
    "At this size each norm is found without forming the product of Jacobians (Lanczos iterations "
    "on it). Here some stopped before converging: those cells are lower bounds, each within "
    "{accuracy} decades of a singular value of its product. The curves in sections 1 and 4 are exact."
)
ACCURACY_SHOWN = 1e-6  # decades: a regime-map accuracy above this is stated on the page


def map_notice() -> str:
    """What to notice in the regime map, with 1/γ of each activation from rnn_core.ACTIVATIONS."""
    edges = [
        say(MAP_EDGE, activation=ACTIVATION_LABELS[n], edge=number(1 / a.gamma, "g"))
        for n, a in rc.ACTIVATIONS.items()
    ]
    return say(MAP_NOTICE, edges=", ".join(edges))


def marker_note(sigma: float, edges) -> str | None:
    """A sentence when the sidebar's network lies outside the map's σ_max(W) range (no diamond)."""
    if edges[0] <= sigma <= edges[-1]:
        return None
    return say(
        MARKER_OUTSIDE, sigma=number(sigma), low=number(edges[0], ".2g"), high=number(edges[-1], ".2g")
    )


def map_trained_note(steps_done: int) -> str | None:
    """That the map's networks are untrained while the diamond is not, or None before any step."""
    return say_n(*MAP_TRAINED, steps_done) if steps_done else None


def map_notes(rmap: rc.RegimeMap) -> list[str]:
    """Sentences for the regime map's grey cells and, if it is not exact, how accurate it is."""
    notes = []
    zero = int(np.isneginf(rmap.log_norms).sum())
    if zero:
        notes.append(say_n(*MAP_ZERO, zero, d=rmap.distance))
    nan = int(np.isnan(rmap.log_norms).sum())
    if nan:
        notes.append(say_n(*MAP_NAN, nan))
    if rmap.accuracy > ACCURACY_SHOWN:
        notes.append(say(MAP_ACCURACY, accuracy=number(rmap.accuracy, ".1e")))
    return notes


# --- 4. remedies: truncation ---------------------------------------------------------------------

HEADER_REMEDIES = "4. Remedies"
HEADER_TRUNCATION = "Truncated BPTT"
TRUNCATION_INTRO = (
    "Truncated BPTT stops each error after τ steps. The version computed here sends each loss L⁽ˢ⁾ "
    "back τ steps: it keeps the paths with s − k < τ, the sum of G_d for d < τ. That is not cheaper "
    "than full BPTT: done loss by loss it costs about T·τ Jacobian products, while full BPTT's one "
    "backward sweep costs T. What frameworks call truncated BPTT is the cheap variant: it cuts the "
    "sequence into chunks of τ steps and back-propagates once per chunk (cost T, memory for τ steps "
    "only), which keeps fewer paths, since a loss early in a chunk reaches back less than τ steps. "
    "Both bound how far an explosion can compound, at the price of the long-range part of the gradient."
)
TAU_LABEL = "Truncation length τ"
TAU_HELP = "Truncated BPTT keeps the paths that cross fewer than τ steps."
TAU_ONE_STEP = "T = 1: τ = 1 is the whole gradient."
KEPT = "kept ‖g_τ‖ / ‖∂L/∂W‖, τ = {tau}"
COSINE = "cosine(g_τ, ∂L/∂W)"
DROPPED = "dropped ‖Σ_(d≥τ) G_d‖ / ‖∂L/∂W‖"
TRUNCATION_ZERO = "∂L/∂W is exactly zero here: truncation has nothing to keep or drop."
TRUNCATION_NONFINITE = "The gradient is not finite here, so its truncated parts cannot be compared with it."
TRUNCATION_FULL = "τ = {tau} ≥ T = {T}: truncation keeps every path; this is full BPTT."
TRUNCATION_KEEPS = (
    "Truncated BPTT with τ = {tau} keeps the paths with s − k < {tau}: a gradient of norm {kept} × "
    "‖∂L/∂W‖ pointing at cosine {cosine} to the full gradient."
)
TRUNCATION_NEGLIGIBLE = (
    "{keeps} What it drops, Σ_(d≥τ) G_d, has norm {dropped} × ‖∂L/∂W‖, at most {tolerance}: the "
    "long-range part was negligible here, so truncation changes almost nothing."
)
TRUNCATION_DROPS = (
    "{keeps} What it drops, Σ_(d≥τ) G_d, has norm {dropped} × ‖∂L/∂W‖, more than {tolerance}: "
    "truncation throws that long-range part of the learning signal away."
)
# the template for each kind of rc.TruncationVerdict
TRUNCATION_SENTENCES = {
    "zero": TRUNCATION_ZERO,
    "nonfinite": TRUNCATION_NONFINITE,
    "full": TRUNCATION_FULL,
    "negligible": TRUNCATION_NEGLIGIBLE,
    "drops": TRUNCATION_DROPS,
}
TRUNCATION_NOTICE = (
    "both curves reach 1 at τ = T (full BPTT). If they are already near 1 at small τ, the "
    "gradient was short-range anyway and truncation is free; a slow rise means long-range paths "
    "matter and truncation discards them."
)


def truncation_metrics(split: rc.DistanceSplit, tau: int) -> list[Metric]:
    i = tau - 1
    return [
        Metric(say(KEPT, tau=tau), number(split.kept[i], ".4g")),
        Metric(say(COSINE), number(split.cosine[i], ".6f")),
        Metric(say(DROPPED), number(split.dropped[i], ".3g")),
    ]


def truncation_case(split: rc.DistanceSplit, tau: int) -> str:
    """The template for what truncation at τ does to this gradient: its rc.TruncationVerdict's."""
    return TRUNCATION_SENTENCES[rc.truncation_verdict(split, tau).kind]


def truncation_text(split: rc.DistanceSplit, tau: int, T: int) -> str:
    v = rc.truncation_verdict(split, tau)
    keeps = say(TRUNCATION_KEEPS, tau=tau, kept=number(v.kept, ".3g"), cosine=number(v.cosine, ".6f"))
    return say(
        TRUNCATION_SENTENCES[v.kind],
        tau=tau,
        T=T,
        keeps=keeps,
        dropped=number(v.dropped, ".3g"),
        tolerance=number(v.tolerance, "g"),
    )


# --- 4. remedies: clipping -----------------------------------------------------------------------

HEADER_CLIPPING = "Gradient clipping"
CLIPPING_INTRO = (
    "Clipping fights explosion. Norm clipping (Pascanu et al. 2013, Algorithm 1) rescales the whole "
    "gradient g (all of U, W, V, b, c) when its norm exceeds the threshold, keeping its direction; "
    "elementwise clipping cuts each entry to [−threshold, threshold], which turns the direction."
)
THRESHOLD_LABEL = "Threshold"
THRESHOLD_HELP = (
    "Log-spaced thresholds. Norm clipping acts when ‖g‖ > threshold; elementwise when some |gᵢ| > threshold."
)
NORM_BEFORE = "‖g‖ before"
NORM_AFTER = "‖g‖ after norm clipping"
NORM_COSINE = "cosine, norm clipping"
ELEMENTWISE_COSINE = "cosine, elementwise"
COSINE_HELP = "cos∠(clipped g, g)"
CLIP_NONFINITE = (
    "The gradient holds inf or nan: norm clipping cannot rescale a vector of unknown length (it "
    "returns it unchanged), and elementwise clipping turns ±inf into ±threshold but keeps nan."
)
CLIP_BOTH = "{norm} {elementwise}"
NORM_KEPT = "‖g‖ = {before} ≤ threshold = {threshold}: norm clipping leaves g alone."
NORM_CLIPPED = (
    "‖g‖ = {before} > threshold = {threshold}: norm clipping multiplies all of g by threshold/‖g‖ = "
    "{scale}, so ‖g‖ becomes {after} and the direction is kept (cosine {cosine})."
)
ELEMENTWISE_KEPT = "No entry exceeds the threshold: elementwise clipping changes nothing."
ELEMENTWISE_CLIPPED = (
    "Elementwise clipping cuts {fraction} of the entries to ±threshold and leaves the rest, so the "
    "direction turns: cosine {cosine} with the original."
)
COSINE_NOTICE = (
    "norm clipping's cosine is exactly 1 at every threshold: it only rescales. Elementwise "
    "clipping's drops once the threshold falls below the largest entries: it changes the direction "
    "of descent."
)
CLIPPED_NORM_NOTICE = (
    "left of ‖g‖ = {before} (a dashed line, like your threshold) norm clipping caps the length at "
    "exactly the threshold; elementwise clipping caps it only loosely, at up to the threshold times "
    "the square root of the number of entries."
)
LONG_ZERO = "∂L/∂W is exactly zero here, so it has no long-range part for clipping to act on."
LONG_NONFINITE = "The gradient is not finite here, so its long-range share is not defined."
LONG_RANGE = (
    "**Does clipping cure vanishing gradients? No.** The long-range part of ∂L/∂W, the paths "
    "across d ≥ τ = {tau} steps (Σ_(d≥τ) G_d), has norm {norm}, a share {share} of ‖∂L/∂W‖; "
    "{after}. Clipping only ever shrinks a gradient that is too large; it cannot enlarge a part "
    "that is too small. Remedies for vanishing change the Jacobians themselves: initialisation "
    "(below), gated units (LSTM, GRU), skip connections."
)
LONG_AFTER_CLIPPED = (
    "after norm clipping it is {norm} (multiplied by {scale}, like every other distance) and its "
    "share is still {share}"
)
LONG_AFTER_KEPT = "norm clipping does not bite at this threshold, so nothing changes"


def clipping_metrics(c: rc.ClipComparison) -> list[Metric]:
    return [
        Metric(say(NORM_BEFORE), number(c.norm_before, ".4g")),
        Metric(say(NORM_AFTER), number(c.norm_after, ".4g")),
        Metric(say(NORM_COSINE), number(c.norm_cosine, ".6f"), say(COSINE_HELP)),
        Metric(say(ELEMENTWISE_COSINE), number(c.elementwise_cosine, ".6f"), say(COSINE_HELP)),
    ]


def clip_text(c: rc.ClipComparison) -> str:
    """What each clipping did at the chosen threshold."""
    if not c.finite:
        return say(CLIP_NONFINITE)
    norm = say(
        NORM_CLIPPED if c.norm_clipped else NORM_KEPT,
        before=number(c.norm_before),
        threshold=clip_label(c.threshold),
        scale=number(c.norm_scale),
        after=number(c.norm_after),
        cosine=number(c.norm_cosine, ".6f"),
    )
    elementwise = say(
        ELEMENTWISE_CLIPPED if c.elementwise_clipped else ELEMENTWISE_KEPT,
        fraction=number(c.elementwise_fraction, ".1%"),
        cosine=number(c.elementwise_cosine, ".6f"),
    )
    return say(CLIP_BOTH, norm=norm, elementwise=elementwise)


def clipped_norm_notice(c: rc.ClipComparison) -> str:
    return say(CLIPPED_NORM_NOTICE, before=number(c.norm_before))


def long_range_text(lr: rc.LongRange, c: rc.ClipComparison) -> str:
    """The misconception "clipping cures vanishing", answered with this network's numbers."""
    if not np.isfinite(lr.share_before):
        return say(LONG_ZERO if lr.norm_before == 0.0 else LONG_NONFINITE)
    after = (
        say(
            LONG_AFTER_CLIPPED,
            norm=number(lr.norm_after),
            scale=number(c.norm_scale),
            share=number(lr.share_after),
        )
        if c.norm_clipped
        else say(LONG_AFTER_KEPT)
    )
    return say(
        LONG_RANGE, tau=lr.tau, norm=number(lr.norm_before), share=number(lr.share_before), after=after
    )


# --- 4. remedies: initialisation -----------------------------------------------------------------

HEADER_INIT = "Initialisation"
INIT_INTRO = (
    "An orthogonal W has all its singular values equal: with σ_max(W) = 1 it neither stretches nor "
    "shrinks any direction, so a linear network would keep ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖ = 1 at every distance. The "
    "identity is the simplest orthogonal matrix (the idea behind IRNN: ReLU with W = I). A gaussian "
    "W rescaled to the same σ_max has most singular values far below it, so products of it shrink "
    "faster. The three initial networks below share everything else in the sidebar."
)
INIT_NORM = "{init}: log₁₀‖∂h⁽ᵀ⁾/∂h⁽⁰⁾‖₂"
INIT_NORM_HELP = "The initial network with {init} W, across all T = {T} steps."
INIT_NOTICE = (
    "at σ_max(W) = {scale} (sidebar) and {activation}, the curves start together and part with "
    "distance; the gaussian one usually falls fastest. Set σ_max(W) to 1 and the activation to "
    "linear to see orthogonal and identity stay flat at 0. Your W init is {init}. Initialisation "
    "sets the start only: training moves W."
)
INIT_TRAINED = (
    "These are the initial networks, before any gradient step: W has σ_max(W) = {scale} as set in the "
    "sidebar. After the {steps} step(s) taken, your network's W has σ_max(W) = {sigma} (section 1)."
)


def init_metrics(profiles: dict[str, rc.JacobianProfile], T: int) -> list[Metric]:
    return [
        Metric(
            say(INIT_NORM, init=INIT_LABELS[w_init]),
            number(p.log_norms[-1], ".2f"),
            say(INIT_NORM_HELP, init=INIT_LABELS[w_init], T=T),
        )
        for w_init, p in profiles.items()
    ]


def init_trained_note(w_scale: float, steps_done: int, summary: rc.SpectralSummary) -> str | None:
    """That the initialisation curves are untrained while the live W has moved, or None before any step."""
    if not steps_done:
        return None
    return say(INIT_TRAINED, scale=number(w_scale, "g"), steps=steps_done, sigma=summary.bound.sigma_shown)


def init_notice(w_scale: float, activation: str, w_init: str) -> str:
    return say(
        INIT_NOTICE,
        scale=number(w_scale, "g"),
        activation=ACTIVATION_LABELS[activation],
        init=INIT_LABELS[w_init],
    )


# --- 5. a non-normal W ---------------------------------------------------------------------------

HEADER_NONNORMAL = "5. ρ or σ_max? A non-normal W"
NONNORMAL_INTRO = (
    "For a linear network ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = Wᵗ⁻ᵏ. Its eigenvalues say where Wⁿ ends up (‖Wⁿ‖^(1/n) → ρ(W)), "
    "not how large it gets on the way. For this W, ρ(W) = {rho} < 1, yet ‖Wⁿ‖₂ grows from "
    "‖W‖₂ = {first} to {peak} at n = {peak_n} before it decays: a gradient can grow for many steps "
    "even though every eigenvalue is inside the unit circle. Only σ_max(W) bounds every step, which "
    "is why the bound uses it."
)
NONNORMAL_INTRO_FLAT = (
    "For a linear network ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = Wᵗ⁻ᵏ. Its eigenvalues say where Wⁿ ends up (‖Wⁿ‖^(1/n) → ρ(W)), "
    "not how large it gets on the way. For this W, ρ(W) = {rho} while ‖W‖₂ = σ_max(W) = {first}: the "
    "largest power is W itself, and ‖Wⁿ‖₂ stays above ρⁿ."
)
PEAK = "largest ‖Wⁿ‖₂"
PEAK_HELP = "Over n = 1..{n}, from log₁₀."
PEAK_AT = "at n ="
POWER_NOTICE = (
    "‖Wⁿ‖₂ rises from ‖W‖₂ = {first} to {peak} (n = {peak_n}) although ρ(W) = {rho}; at n = {n} it "
    "is still {gap} times ρⁿ. It never crosses the bound σ_max(W)ⁿ (red, leaving the chart at the "
    "top), and in the end it decays with slope log₁₀ρ: ρ decides the long run, σ_max every single step."
)
POWER_NOTICE_FLAT = (
    "‖Wⁿ‖₂ is largest at n = 1 (‖W‖₂ = {first}) and never rises above it; at n = {n} it is {gap} "
    "times ρⁿ = {rho}ⁿ. It never crosses the bound σ_max(W)ⁿ (red)."
)
POWER_NOTICE_N = 10  # the power n at which the notice compares ‖Wⁿ‖₂ with ρⁿ


def _power_fields(pp: rc.PowerProfile) -> dict:
    return dict(
        rho=number(pp.rho, "g"),
        first=number(10.0 ** pp.log_norms[1], ".3g"),
        peak=number(10.0**pp.peak_log_norm, ".3g"),
        peak_n=pp.peak_n,
    )


def nonnormal_intro(pp: rc.PowerProfile) -> str:
    """Why ρ(W) < 1 does not mean ‖Wⁿ‖ shrinks, chosen by the profile's verdict ``transient``."""
    return say(NONNORMAL_INTRO if pp.transient else NONNORMAL_INTRO_FLAT, **_power_fields(pp))


def nonnormal_metrics(pp: rc.PowerProfile) -> list[Metric]:
    return [
        Metric(say(RHO), number(pp.rho, ".4g")),
        Metric(say(SIGMA), number(pp.sigma_max, ".4g")),
        Metric(say(PEAK), pow10_plain(pp.peak_log_norm, 3), say(PEAK_HELP, n=int(pp.n[-1]))),
        Metric(say(PEAK_AT), str(pp.peak_n)),
    ]


def matrix_formula(W) -> str:
    """A small matrix as LaTeX, its entries as given."""
    return formulas.matrix_latex([[number(float(v), "g") for v in row] for row in np.asarray(W)])


def power_formula(pp: rc.PowerProfile) -> str:
    """ρ(W), σ_max(W) and the peak of ‖Wⁿ‖₂, with the preset's computed numbers."""
    return formulas.power_latex(
        tex_number(pp.rho),
        tex_number(pp.sigma_max),
        int(pp.n[-1]),
        pp.peak_n,
        tex_number(pp.peak_log_norm, ".3f"),
    )


def power_notice(pp: rc.PowerProfile) -> str:
    """What to notice in the ‖Wⁿ‖ chart, with its numbers."""
    n = min(POWER_NOTICE_N, int(pp.n[-1]))
    gap = pp.log_norms[n] - pp.rho_line[n]  # log₁₀(‖Wⁿ‖₂ / ρⁿ)
    return say(
        POWER_NOTICE if pp.transient else POWER_NOTICE_FLAT, n=n, gap=pow10_plain(gap, 1), **_power_fields(pp)
    )
