r"""The Update rules page's cached calls into rnn_core: the path terms of one loss L⁽ˢ⁾, measured and
checked three ways, and the full gradient checked by a second route.

Overflowed traces are part of the subject: their inf/nan become nan norms and errors, never warnings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import rnn_core as rc
from ui.cache import cache_data
from ui.data import large_network, live_network
from ui.state import Network
from ui.update_rules.controls import WRT_OPTIONS

# Finite differences cost two forward passes per entry, each as long as the loss it differentiates:
# the entries checked are capped so that one check runs about FD_STEP_BUDGET recurrence steps.
FD_STEP_BUDGET = 12_000
MIN_FD_ENTRIES = 16
MAX_FD_ENTRIES = 256
FD_EPS = 1e-6
# Σₛ bptt(s=…) runs T backward passes of up to T steps: literal and cheap for short sequences only.
SUM_OVER_S_MAX_T = 64
SUM_OVER_S = "sum over s"
FINITE_DIFFERENCES = "finite differences"
CACHE = dict(max_entries=128, show_spinner=False)


@dataclass(frozen=True)
class PathReport:
    """The path terms of ∂L⁽ˢ⁾/∂θ measured, and checked three ways, on the live network.

    norms (s,): ‖term k‖_F for k = 1..s. norm_share (s,): ‖term k‖ / Σ‖terms‖.
    projection_share (s,): ⟨term k, G⟩ / ‖G‖² with G = Σₖ term k (sums to 1; nan when G = 0).
    path_sum: Σₖ term k against bptt(s=s) (exact routes); step_fd: bptt(s=s) against central
    differences on the checked entries. terms: which norms are 0 or not numbers, and why.
    bound: γ·σ_max(W) of the live W, compared with 1.
    """

    s: int
    wrt: str
    norms: np.ndarray
    norm_share: np.ndarray
    projection_share: np.ndarray
    path_sum: rc.GradientCheckVerdict
    step_fd: rc.GradientCheckVerdict
    fd_entries: int  # how many entries the finite differences checked
    n_entries: int  # how many entries θ has
    first_term: dict  # ‖term 1‖_F for W and for U
    single_vs_full: float  # rel_error(∂L⁽ˢ⁾/∂θ, ∂L/∂θ): how far the homework's update is off
    output_error_norm: float  # ‖∂L⁽ˢ⁾/∂o⁽ˢ⁾‖: every path starts from it
    step_loss: float  # L⁽ˢ⁾
    terms: dict  # rc.TermsVerdict of the s terms, for W and for U
    bound: rc.BoundVerdict

    @property
    def overflow(self) -> rc.TermsVerdict:
        """Which of this parameter's terms are exactly 0 or not numbers, and why."""
        return self.terms[self.wrt]

    @property
    def sum_vs_bptt(self) -> float:
        return self.path_sum.rel_error

    @property
    def bptt_vs_fd(self) -> float:
        return self.step_fd.rel_error

    @property
    def first_term_finite(self) -> bool:
        return bool(np.isfinite(list(self.first_term.values())).all())


def fd_sample_size(n_entries: int, length: int) -> int:
    """How many entries to check by finite differences of a loss that runs ``length`` steps."""
    return min(n_entries, MAX_FD_ENTRIES, max(MIN_FD_ENTRIES, FD_STEP_BUDGET // (2 * length)))


def fd_entries(n_entries: int, seed: int, size: int) -> np.ndarray:
    """Flat indices to check: all ``n_entries`` when ``size`` covers them, else a fixed seeded sample.

    rnn_core has no sampler of entries (numerical_partial takes the indices it is given), so the
    sample is drawn here, from the network's seed on a stream of its own (2; the sequence uses 1):
    the same entries on every rerun and for every student with the same link.
    """
    if n_entries <= size:
        return np.arange(n_entries)
    rng = np.random.default_rng([seed, 2])
    return np.sort(rng.choice(n_entries, size=size, replace=False))


# rc.distance_split measures any stack of terms that add up to a gradient, not only the distances:
# each term's norm, its projection share ⟨term k, Σ terms⟩/‖Σ terms‖² and the sum, all computed after
# dividing by the largest entry, so exact where the squares over- or underflow float64.


def norm_shares(norms: np.ndarray) -> np.ndarray:
    """‖term k‖/Σ‖terms‖ (nan when every norm is 0 or one is not a number): the projection shares of
    the norms themselves, ⟨n_k, Σn⟩/(Σn)² = n_k/Σn, so the sum cannot overflow."""
    with np.errstate(over="ignore"):  # distance_split's total_norm (Σn, unused here) may overflow
        return rc.distance_split(np.asarray(norms, dtype=np.float64)[:, None]).shares


def frobenius(arr: np.ndarray) -> float:
    """‖arr‖_F as rc.distance_split measures one term: exact where the squares over- or underflow."""
    return float(rc.distance_split(np.asarray(arr, dtype=np.float64)[None]).norms[0])


@cache_data(offload=large_network, **CACHE)  # a worker's on a large network (ui.offload)
def path_report(net: Network, steps: int, s: int, wrt: str) -> PathReport:
    """Path terms of ∂L⁽ˢ⁾/∂``wrt`` on ``net`` after ``steps`` steps, with their checks."""
    live = live_network(net, steps)
    params, trace = live.params, live.trace
    with np.errstate(all="ignore"):
        splits = {name: rc.distance_split(rc.path_terms(params, trace, s, wrt=name)) for name in WRT_OPTIONS}
        split = splits[wrt]  # of the s path terms (s, *θ.shape) of ∂L⁽ˢ⁾/∂θ
        # L⁽ˢ⁾ depends on steps 1..s only: back-propagated on the forward pass of those steps, so
        # that inf or nan from a later overflow cannot reach it
        first_s = rc.forward(
            params, trace.xs[:s], trace.targets[:s], activation=net.activation, loss=net.loss
        )
        grad_s = getattr(rc.bptt(params, first_s, s=s), wrt)
        grad = getattr(rc.bptt(params, trace), wrt)
        idx = fd_entries(grad_s.size, net.seed, fd_sample_size(grad_s.size, s))
        # and so do the forward passes of its finite differences
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
        return PathReport(
            s=s,
            wrt=wrt,
            norms=split.norms,
            norm_share=norm_shares(split.norms),
            projection_share=split.shares,
            path_sum=rc.gradient_check_verdict(split.total, grad_s, tolerance=rc.EXACT_TOLERANCE),
            step_fd=rc.gradient_check_verdict(
                grad_s.ravel()[idx], numeric.ravel()[idx], loss=float(trace.losses[s - 1]), eps=FD_EPS
            ),
            fd_entries=int(idx.size),
            n_entries=int(grad_s.size),
            first_term={name: float(other.norms[0]) for name, other in splits.items()},
            single_vs_full=rc.rel_error(grad_s, grad),
            output_error_norm=frobenius(trace.dL_do()[s - 1]),
            step_loss=float(trace.losses[s - 1]),
            terms={name: rc.terms_verdict(trace, s, other.norms) for name, other in splits.items()},
            bound=rc.bound_verdict(rc.ACTIVATIONS[net.activation].gamma, rc.sigma_max(params.W)),
        )


@dataclass(frozen=True)
class FullCheck:
    """∂L/∂θ by BPTT checked against a second route: SUM_OVER_S or FINITE_DIFFERENCES."""

    route: str
    verdict: rc.GradientCheckVerdict
    fd_entries: int  # entries compared (all of θ for SUM_OVER_S)
    n_entries: int

    @property
    def error(self) -> float:
        return self.verdict.rel_error


@cache_data(offload=large_network, **CACHE)
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
            verdict = rc.gradient_check_verdict(full, per_loss, tolerance=rc.EXACT_TOLERANCE)
            return FullCheck(SUM_OVER_S, verdict, full.size, full.size)
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
        verdict = rc.gradient_check_verdict(
            full.ravel()[idx], numeric.ravel()[idx], loss=float(trace.loss), eps=FD_EPS
        )
        return FullCheck(FINITE_DIFFERENCES, verdict, int(idx.size), full.size)


def fd_disagreement(report: PathReport, full: FullCheck) -> rc.GradientCheckVerdict | None:
    """The finite-difference check with the larger error, when it disagrees (so the page explains
    it), else None. Only finite-difference checks count: the exact routes have no tolerance to explain."""
    checks = [report.step_fd] + ([full.verdict] if full.route == FINITE_DIFFERENCES else [])
    disagreeing = [v for v in checks if v.kind == "disagrees"]
    return max(disagreeing, key=lambda v: v.rel_error, default=None)
