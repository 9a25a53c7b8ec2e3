"""The shared network: its controls (ranges, defaults, URL keys) in one place, and the sidebar.

Every control is a Streamlit widget bound to a URL query parameter (``bind="query-params"``):
a link reproduces what its sender saw, and Streamlit itself drops values from a link that are
garbage or out of range (the widget then shows its default). Float values are rounded to their
slider step before they reach a cache key, so the caches see a finite set of keys.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import streamlit as st

from rnn_core import ACTIVATIONS, LOSSES, W_INITS

MAX_STEPS = 500
LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
SCALE_STEP = 0.05

# Labels double as URL values (a bound selectbox writes its label into the link): short, no spaces.
ACTIVATION_LABELS = {
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "relu": "ReLU",
    "leaky_relu": "leaky-ReLU",
    "linear": "linear",
}
LOSS_LABELS = {"softmax_ce": "softmax-CE", "mse": "MSE"}
INIT_LABELS = {"orthogonal": "orthogonal", "gaussian": "gaussian", "identity": "identity"}


@dataclass(frozen=True)
class Network:
    """What the sidebar sets: the network, its one training sequence (B = 1) and the learning rate."""

    activation: str = "tanh"
    H: int = 16
    T: int = 20
    D: int = 3
    K: int = 3
    w_init: str = "orthogonal"
    w_scale: float = 1.0
    loss: str = "softmax_ce"
    seed: int = 0
    lr: float = 0.1

    def key(self) -> tuple:
        """A hashable, rounded key for the caches."""
        return tuple(asdict(self).values())


DEFAULT = Network()


def snap(value: float, step: float) -> float:
    """``value`` rounded to the slider grid, so that float cache keys stay finite."""
    return round(round(value / step) * step, 10)


def network_sidebar() -> Network:
    """Draw the "Network" sidebar and return the network it sets."""
    sb = st.sidebar
    sb.header("Network")
    activation = sb.selectbox(
        "Activation f",
        list(ACTIVATIONS),
        index=list(ACTIVATIONS).index(DEFAULT.activation),
        format_func=ACTIVATION_LABELS.get,
        key="act",
        bind="query-params",
        help="h⁽ᵗ⁾ = f(a⁽ᵗ⁾). Its derivative bounds how much gradient survives each step. "
        "leaky-ReLU has slope 0.01 for a ≤ 0.",
    )
    H = sb.slider("Hidden size H", 1, 128, DEFAULT.H, key="H", bind="query-params")
    T = sb.slider("Sequence length T", 1, 200, DEFAULT.T, key="T", bind="query-params")
    w_init = sb.selectbox(
        "W initialisation",
        list(W_INITS),
        index=list(W_INITS).index(DEFAULT.w_init),
        format_func=INIT_LABELS.get,
        key="init",
        bind="query-params",
        help="orthogonal: W = σ·Q with Q orthogonal (all singular values equal); gaussian: random "
        "Gaussian W divided by its largest singular value; identity: W = σ·I.",
    )
    w_scale = sb.slider(
        "σ_max(W), the largest singular value of W",
        0.05,
        4.0,
        DEFAULT.w_scale,
        step=SCALE_STEP,
        key="scale",
        bind="query-params",
        help="W is scaled so that its largest singular value is exactly this.",
    )
    with sb.expander("Sizes, loss, seed, learning rate"):
        D = st.slider("Input size D", 1, 16, DEFAULT.D, key="D", bind="query-params")
        K = st.slider("Output size K", 2, 16, DEFAULT.K, key="K", bind="query-params")
        loss = st.selectbox(
            "Loss L⁽ᵗ⁾",
            list(LOSSES),
            index=list(LOSSES).index(DEFAULT.loss),
            format_func=LOSS_LABELS.get,
            key="loss",
            bind="query-params",
            help="softmax-CE: L⁽ᵗ⁾ = −log ŷ⁽ᵗ⁾[y⁽ᵗ⁾] with ŷ⁽ᵗ⁾ = softmax(o⁽ᵗ⁾). MSE: L⁽ᵗ⁾ = ½‖o⁽ᵗ⁾ − y⁽ᵗ⁾‖².",
        )
        seed = st.number_input(
            "Seed",
            0,
            9999,
            DEFAULT.seed,
            step=1,
            key="seed",
            bind="query-params",
            help="Draws U, W, V, the input sequence x⁽¹⁾…x⁽ᵀ⁾ and the targets y⁽¹⁾…y⁽ᵀ⁾.",
        )
        lr = st.select_slider(
            "Learning rate lr", LEARNING_RATES, value=DEFAULT.lr, key="lr", bind="query-params"
        )
    net = Network(
        activation=activation,
        H=int(H),
        T=int(T),
        D=int(D),
        K=int(K),
        w_init=w_init,
        w_scale=snap(w_scale, SCALE_STEP),
        loss=loss,
        seed=int(seed),
        lr=float(lr),
    )
    sb.number_input(  # no explicit value: the step buttons set it through st.session_state
        "Gradient steps taken",
        0,
        MAX_STEPS,
        step=1,
        key="steps",
        bind="query-params",
        help="Full-batch steps θ ← θ − lr·∂L/∂θ on the sequence, from the initial network. The "
        "Update rules page takes them one at a time; every page shows the network after them.",
    )
    st.session_state["network"] = net
    return net


def step_slider(label: str, T: int, default: int, *, key: str, where=None, help: str | None = None) -> int:
    """A URL-bound slider over the steps 1..T (T ≥ 2) whose value follows T down.

    When T drops below the value the slider holds (the student shortened the sequence, or a link
    carries a larger value), the value is lowered to T before the slider is drawn: Streamlit
    refuses a slider whose value lies above its maximum.
    """
    held = st.session_state.get(key)
    if isinstance(held, int) and held > T:
        st.session_state[key] = T
    return int((where or st).slider(label, 1, T, min(default, T), key=key, bind="query-params", help=help))


def current_network() -> Network:
    """The network the sidebar set in this run (defaults when a page runs on its own)."""
    return st.session_state.get("network", DEFAULT)


def current_steps() -> int:
    """How many gradient steps the sidebar says were taken (0 when a page runs on its own)."""
    return int(st.session_state.get("steps", 0))
