r"""Plain references for the benchmarks, written straight from DESIGN.md §2, independent of rnn_core.

    a⁽ᵗ⁾ = b + W h⁽ᵗ⁻¹⁾ + U x⁽ᵗ⁾,  h⁽ᵗ⁾ = f(a⁽ᵗ⁾),  o⁽ᵗ⁾ = c + V h⁽ᵗ⁾,  L = Σₜ L⁽ᵗ⁾
    δ⁽ᵗ⁾ = ∂L/∂a⁽ᵗ⁾,   δₖ⁽ˢ⁾ = ∂L⁽ˢ⁾/∂a⁽ᵏ⁾,   ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = Πⱼ₌ₖ₊₁ᵗ diag(f′(a⁽ʲ⁾)) W

Every function loops over time steps with one product per step; rows are the B sequences of the
batch, so with B = 1 each product is a matrix-vector product. Nothing is vectorised over time:
these are what rnn_core is timed against, and what its results are checked against. ``params`` is
any object with arrays U, W, V, b, c (an ``rnn_core.RNNParams`` works); arrays are time-major as in
DESIGN.md §3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _sigmoid(a):
    e = np.exp(-np.abs(a))  # exp of a non-positive number never overflows
    return np.where(a >= 0, 1.0, e) / (1.0 + e)


# f and f′; the derivatives are written as products of small exponentials, sech²(a) =
# 4e^{−2|a|}/(1 + e^{−2|a|})² and σ′(a) = e^{−|a|}/(1 + e^{−|a|})², so they keep their relative
# precision for saturated units, where 1 − tanh² and σ(1 − σ) round to 0.
ACTIVATIONS = {
    "tanh": (np.tanh, lambda a: 4.0 * np.exp(-2.0 * np.abs(a)) / (1.0 + np.exp(-2.0 * np.abs(a))) ** 2),
    "sigmoid": (_sigmoid, lambda a: np.exp(-np.abs(a)) / (1.0 + np.exp(-np.abs(a))) ** 2),
    "relu": (lambda a: np.maximum(a, 0.0), lambda a: (a > 0).astype(float)),
    "leaky_relu": (lambda a: np.where(a > 0, a, 0.01 * a), lambda a: np.where(a > 0, 1.0, 0.01)),
    "linear": (lambda a: a.copy(), np.ones_like),
}


@dataclass(frozen=True)
class RefTrace:
    """What :func:`forward` computed: a (T, B, H), h (T+1, B, H), o and y_hat (T, B, K), losses (T,)."""

    xs: np.ndarray
    targets: np.ndarray
    activation: str
    loss_name: str
    a: np.ndarray
    h: np.ndarray
    o: np.ndarray
    y_hat: np.ndarray
    losses: np.ndarray
    loss: float

    def dL_do(self, t: int) -> np.ndarray:
        """∂L⁽ᵗ⁾/∂o⁽ᵗ⁾ for 0-based step t, (B, K): ŷ − onehot(y), or o − y for mse."""
        if self.loss_name == "mse":
            return self.o[t] - self.targets[t]
        g = self.y_hat[t].copy()
        g[np.arange(g.shape[0]), self.targets[t]] -= 1.0
        return g


def forward(params, xs, targets, *, activation="tanh", loss="softmax_ce", h0=None) -> RefTrace:
    """The forward pass, one step at a time. xs (T, B, D); targets (T, B) ints or (T, B, K)."""
    f, _ = ACTIVATIONS[activation]
    T, B, _ = xs.shape
    h = np.zeros((B, params.W.shape[0])) if h0 is None else np.array(h0, dtype=float)
    a_all, h_all, o_all, y_all, losses = [], [h], [], [], []
    for t in range(T):
        a = params.b + h @ params.W.T + xs[t] @ params.U.T  # (B, H)
        h = f(a)
        o = params.c + h @ params.V.T  # (B, K)
        if loss == "mse":
            y_hat = o
            losses.append(0.5 * np.sum((o - targets[t]) ** 2))
        else:
            z = o - o.max(axis=1, keepdims=True)
            log_y_hat = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
            y_hat = np.exp(log_y_hat)
            losses.append(-np.sum(log_y_hat[np.arange(B), targets[t]]))
        a_all.append(a)
        h_all.append(h)
        o_all.append(o)
        y_all.append(y_hat)
    a, h, o, y_hat, losses = map(np.array, (a_all, h_all, o_all, y_all, losses))
    return RefTrace(xs, targets, activation, loss, a, h, o, y_hat, losses, float(losses.sum()))


def bptt(params, trace: RefTrace) -> dict[str, np.ndarray]:
    """∂L/∂θ for θ = U, W, V, b, c: one step back at a time, each weight gradient summed in the loop."""
    _, df = ACTIVATIONS[trace.activation]
    W, V = params.W, params.V
    grads = {name: np.zeros_like(getattr(params, name)) for name in ("U", "W", "V", "b", "c")}
    dh_next = np.zeros_like(trace.h[0])  # Wᵀ δ⁽ᵗ⁺¹⁾, zero after the last step
    for t in range(trace.a.shape[0] - 1, -1, -1):
        do = trace.dL_do(t)  # ∂L/∂o⁽ᵗ⁾ (B, K)
        grads["V"] += do.T @ trace.h[t + 1]
        grads["c"] += do.sum(axis=0)
        delta = df(trace.a[t]) * (do @ V + dh_next)  # δ⁽ᵗ⁾ = f′(a⁽ᵗ⁾) ⊙ ∂L/∂h⁽ᵗ⁾ (B, H)
        grads["W"] += delta.T @ trace.h[t]
        grads["U"] += delta.T @ trace.xs[t]
        grads["b"] += delta.sum(axis=0)
        dh_next = delta @ W
    return grads


def jacobian_log_norms(params, trace: RefTrace, *, t=None, batch_index=0) -> np.ndarray:
    """log₁₀‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ for k = 0..t, (t+1,): the product is formed one factor at a time and
    each norm is an SVD (``np.linalg.norm(J, 2)``); J is kept at max-entry 1, its scale in a log.
    """
    _, df = ACTIVATIONS[trace.activation]
    t = trace.a.shape[0] if t is None else t
    out = np.zeros(t + 1)
    J = np.eye(params.W.shape[0])  # ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ / 10^log_scale, starting at k = t
    log_scale = 0.0
    for k in range(t - 1, -1, -1):
        J = J @ (df(trace.a[k, batch_index])[:, None] * params.W)  # · diag(f′(a⁽ᵏ⁺¹⁾)) W
        size = np.abs(J).max()
        if size == 0.0:  # every path is cut (e.g. all ReLU units off at one step)
            out[: k + 1] = -np.inf
            break
        J /= size
        log_scale += np.log10(size)
        out[k] = log_scale + np.log10(np.linalg.norm(J, 2))
    return out


def _factor(params, trace: RefTrace, wrt: str, k: int) -> np.ndarray:
    """What δₖ⁽ˢ⁾ multiplies in path term k: h⁽ᵏ⁻¹⁾ (W), x⁽ᵏ⁾ (U) or 1 (b), (B, m)."""
    if wrt == "W":
        return trace.h[k - 1]
    if wrt == "U":
        return trace.xs[k - 1]
    return np.ones((trace.a.shape[1], 1))


def path_terms_per_loss(params, trace: RefTrace, *, wrt="W"):
    """Yields (s, k, δₖ⁽ˢ⁾ zₖᵀ summed over the batch) with one backward pass per loss step s.

    For each s = 1..T the error of L⁽ˢ⁾ alone goes back k = s..1, one step at a time.
    """
    _, df = ACTIVATIONS[trace.activation]
    T = trace.a.shape[0]
    fprime = [df(trace.a[k]) for k in range(T)]
    for s in range(1, T + 1):
        e = trace.dL_do(s - 1) @ params.V  # ∂L⁽ˢ⁾/∂h⁽ˢ⁾ (B, H)
        for k in range(s, 0, -1):
            delta = fprime[k - 1] * e  # δₖ⁽ˢ⁾ (B, H)
            yield s, k, delta.T @ _factor(params, trace, wrt, k)  # (H, m)
            e = delta @ params.W  # ∂L⁽ˢ⁾/∂h⁽ᵏ⁻¹⁾


def contributions(params, trace: RefTrace, *, wrt="W") -> np.ndarray:
    """C[s−1, k−1] = ‖δₖ⁽ˢ⁾ zₖᵀ‖_F, the Frobenius norm of each path term, formed as a matrix; (T, T)."""
    T = trace.a.shape[0]
    C = np.zeros((T, T))
    for s, k, term in path_terms_per_loss(params, trace, wrt=wrt):
        C[s - 1, k - 1] = np.linalg.norm(term)
    return C


def distance_terms(params, trace: RefTrace, *, wrt="W") -> np.ndarray:
    """G[d] = Σ_{s−k=d} δₖ⁽ˢ⁾ zₖᵀ, (T, *θ.shape): the path terms summed by temporal distance."""
    T = trace.a.shape[0]
    shape = getattr(params, wrt).shape
    G = np.zeros((T, shape[0], int(np.prod(shape[1:]))))
    for s, k, term in path_terms_per_loss(params, trace, wrt=wrt):
        G[s - k] += term
    return G.reshape((T,) + shape)
