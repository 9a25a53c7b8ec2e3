r"""The parameters θ = (U, W, V, b, c) of the RNN, and one step of gradient descent.

    a⁽ᵗ⁾ = b + W h⁽ᵗ⁻¹⁾ + U x⁽ᵗ⁾,   h⁽ᵗ⁾ = f(a⁽ᵗ⁾),   o⁽ᵗ⁾ = c + V h⁽ᵗ⁾

Gradients are :class:`RNNParams` too (same fields, same shapes), as in jax's optimizers.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ._checks import as_float_array, choice, positive_int

W_INITS = ("orthogonal", "gaussian", "identity")


class CellParams:
    """What the parameters of every cell share: the field shapes by first letter, read-only float64
    copies, the sizes D, H, K, finiteness checks, and one step of gradient descent.

    Each field's shape follows from its first letter: U… (H, D), W… (H, H), b… (H,), V (K, H),
    c (K,). Subclasses are frozen dataclasses whose fields include U and V.
    """

    def __post_init__(self):
        U = np.asarray(self.U)
        V = np.asarray(self.V)
        if U.ndim != 2:
            raise ValueError(f"U must have shape (H, D); received shape {U.shape}")
        if V.ndim != 2:
            raise ValueError(f"V must have shape (K, H); received shape {V.shape}")
        (H, D), K = U.shape, V.shape[0]
        expected = {
            "U": ((H, D), f"(H, D) = ({H}, {D})"),
            "W": ((H, H), f"(H, H) = ({H}, {H})"),
            "V": ((K, H), f"(K, H) = ({K}, {H})"),
            "b": ((H,), f"(H,) = ({H},)"),
            "c": ((K,), f"(K,) = ({K},)"),
        }
        for f in fields(self):
            shape, text = expected[f.name[0]]
            if f.name == "U":
                text = "(H, D)"
            arr = as_float_array(f.name, getattr(self, f.name), shape, text, finite=False).copy()
            arr.flags.writeable = False  # params are values: cached and shared safely
            object.__setattr__(self, f.name, arr)

    @classmethod
    def _built(cls, arrays: dict[str, np.ndarray]):
        """Parameters from float64 arrays this package computed from parameters of the same type and
        shapes (a descent step): taken as they are, made read-only, without the checks and copies
        of the constructor. Not for arrays a caller passes in."""
        out = object.__new__(cls)
        for f in fields(cls):
            arr = arrays[f.name]
            arr.flags.writeable = False
            object.__setattr__(out, f.name, arr)
        return out

    @property
    def n_in(self) -> int:
        """D, the input size."""
        return self.U.shape[1]

    @property
    def n_hidden(self) -> int:
        """H, the hidden size."""
        return self.W.shape[0]

    @property
    def n_out(self) -> int:
        """K, the output size."""
        return self.V.shape[0]

    def arrays(self) -> dict[str, np.ndarray]:
        """The fields by name, in their declaration order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def is_finite(self) -> bool:
        """True when every entry of every field is finite."""
        return all(np.isfinite(arr).all() for arr in self.arrays().values())

    def check_finite(self, name: str = "params") -> None:
        """``ValueError`` naming the first field that holds inf or nan."""
        for field, arr in self.arrays().items():
            if not np.isfinite(arr).all():
                bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
                raise ValueError(f"{name}.{field} must be finite; received {arr[bad]} at index {bad}")

    def check_like(self, other, name: str = "grads") -> None:
        """``ValueError`` unless ``other`` has the type of ``self`` and the same shapes."""
        if type(other) is not type(self):
            raise ValueError(f"{name} must be {type(self).__name__}; received {type(other).__name__}")
        for field, arr in self.arrays().items():
            got = getattr(other, field).shape
            if got != arr.shape:
                raise ValueError(
                    f"{name}.{field} must have shape {arr.shape} like params.{field}; received {got}"
                )

    def sgd_step(self, grads, lr: float):
        r"""One step of gradient descent, $\theta \leftarrow \theta - \mathrm{lr}\,\partial L/\partial\theta$.

        ``grads`` has the type, fields and shapes of ``self``; ``lr`` is a finite float ≥ 0.
        Raises ``ValueError`` when ``grads`` holds inf/nan (an exploded forward pass): clip first.
        """
        self.check_like(grads)
        grads.check_finite("grads")
        if not np.isfinite(lr) or lr < 0:
            raise ValueError(f"lr must be a finite number ≥ 0; received {lr!r}")
        return type(self)(**{k: v - lr * getattr(grads, k) for k, v in self.arrays().items()})


def recurrent_matrix(rng: np.random.Generator, H: int, w_init: str, w_scale: float) -> np.ndarray:
    r"""An (H, H) matrix with $\sigma_{\max} = $ ``w_scale`` by ``w_init`` (see :meth:`RNNParams.init`)."""
    choice("w_init", w_init, W_INITS)
    if not np.isfinite(w_scale) or w_scale < 0:
        raise ValueError(f"w_scale must be a finite number ≥ 0; received {w_scale!r}")
    G = rng.standard_normal((H, H))
    if w_init == "orthogonal":
        Q, R = np.linalg.qr(G)
        return w_scale * Q * np.where(np.diag(R) < 0, -1.0, 1.0)  # sign fix: Haar-distributed Q
    if w_init == "gaussian":
        return w_scale * G / np.linalg.norm(G, 2)
    return w_scale * np.eye(H)


@dataclass(frozen=True, eq=False)
class RNNParams(CellParams):
    """U (H, D), W (H, H), V (K, H), b (H,), c (K,): float64 read-only copies.

    Gradients share this type and may hold inf/nan after an exploding forward pass;
    :func:`rnn_core.forward` refuses parameters that are not finite.
    """

    U: np.ndarray
    W: np.ndarray
    V: np.ndarray
    b: np.ndarray
    c: np.ndarray

    @classmethod
    def init(
        cls,
        n_in: int,
        n_hidden: int,
        n_out: int,
        *,
        w_init: str = "orthogonal",
        w_scale: float = 1.0,
        seed: int = 0,
    ) -> RNNParams:
        r"""Random parameters with $\sigma_{\max}(W) = $ ``w_scale`` exactly, deterministic by ``seed``.

        entries of U ~ N(0, 1/D) and of V ~ N(0, 1/H), b = 0, c = 0, and W by ``w_init``:
        ``orthogonal`` ρ·Q with Q Haar-orthogonal (all singular values = w_scale), ``gaussian``
        a Gaussian matrix divided by its largest singular value, ``identity`` w_scale·I.
        """
        D = positive_int("n_in", n_in)
        H = positive_int("n_hidden", n_hidden)
        K = positive_int("n_out", n_out)
        rng = np.random.default_rng(positive_int("seed", seed, minimum=0))
        U = rng.standard_normal((H, D)) / np.sqrt(D)
        V = rng.standard_normal((K, H)) / np.sqrt(H)
        W = recurrent_matrix(rng, H, w_init, w_scale)
        return cls(U=U, W=W, V=V, b=np.zeros(H), c=np.zeros(K))
