"""The shared network: its controls (ranges, defaults, URL keys) in one place, and the sidebar.

Every control is a Streamlit widget bound to a URL query parameter (``bind="query-params"``):
a link reproduces what its sender saw, and Streamlit itself drops values from a link that are
garbage or out of range (the widget then shows its default). Float values are rounded to their
slider step before they reach a cache key, so the caches see a finite set of keys.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import streamlit as st

from rnn_core import ACTIVATIONS, LEAKY_SLOPE, LOSSES, W_INITS
from ui import state_text as words
from ui.format import number
from ui.i18n import say

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
    sb.header(say(words.NETWORK))
    activation = sb.selectbox(
        say(words.ACTIVATION),
        list(ACTIVATIONS),
        index=list(ACTIVATIONS).index(DEFAULT.activation),
        format_func=ACTIVATION_LABELS.get,
        key="act",
        bind="query-params",
        help=say(words.ACTIVATION_HELP, slope=number(LEAKY_SLOPE, "g")),
    )
    H = sb.slider(say(words.HIDDEN), 1, 128, DEFAULT.H, key="H", bind="query-params")
    T = sb.slider(say(words.LENGTH), 1, 200, DEFAULT.T, key="T", bind="query-params")
    w_init = sb.selectbox(
        say(words.W_INIT),
        list(W_INITS),
        index=list(W_INITS).index(DEFAULT.w_init),
        format_func=INIT_LABELS.get,
        key="init",
        bind="query-params",
        help=say(words.W_INIT_HELP),
    )
    w_scale = sb.slider(
        say(words.W_SCALE),
        0.05,
        4.0,
        DEFAULT.w_scale,
        step=SCALE_STEP,
        key="scale",
        bind="query-params",
        help=say(words.W_SCALE_HELP),
    )
    with sb.expander(say(words.MORE)):
        D = st.slider(say(words.INPUT), 1, 16, DEFAULT.D, key="D", bind="query-params")
        K = st.slider(say(words.OUTPUT), 2, 16, DEFAULT.K, key="K", bind="query-params")
        loss = st.selectbox(
            say(words.LOSS),
            list(LOSSES),
            index=list(LOSSES).index(DEFAULT.loss),
            format_func=LOSS_LABELS.get,
            key="loss",
            bind="query-params",
            help=say(words.LOSS_HELP),
        )
        seed = st.number_input(
            say(words.SEED),
            0,
            9999,
            DEFAULT.seed,
            step=1,
            key="seed",
            bind="query-params",
            help=say(words.SEED_HELP),
        )
        lr = st.select_slider(
            say(words.LEARNING_RATE), LEARNING_RATES, value=DEFAULT.lr, key="lr", bind="query-params"
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
        say(words.STEPS),
        0,
        MAX_STEPS,
        step=1,
        key="steps",
        bind="query-params",
        help=say(words.STEPS_HELP),
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
