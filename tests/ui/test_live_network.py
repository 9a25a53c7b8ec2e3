"""ui.data.live_network: the sidebar's network after its training steps, built from cached
checkpoints every CHECKPOINT steps, is rnn_core.descend from the start bit for bit."""

import numpy as np
import pytest

import rnn_core as rc
from ui import data
from ui.state import Network

FIELDS = ("U", "W", "V", "b", "c")


def one_descent(net: Network, steps: int) -> rc.Descent:
    """The reference: one rc.descend from the initial parameters, no checkpoints."""
    xs, targets = data.sequence(net)
    return rc.descend(
        data.initial_params(net),
        xs,
        targets,
        activation=net.activation,
        loss=net.loss,
        lr=net.lr,
        steps=steps,
    )


@pytest.fixture(autouse=True)
def fresh_cache():
    data.live_network.clear()
    yield
    data.live_network.clear()


NETS = [
    Network(T=20),
    Network(T=60, activation="sigmoid", H=24),
    Network(T=100, activation="relu", w_scale=3.0, lr=1.0),  # blows up within the first checkpoint
]


@pytest.mark.parametrize("net", NETS, ids=["tanh", "sigmoid", "relu-overflow"])
@pytest.mark.parametrize("steps", [0, 1, 25, 26, 77])
def test_live_network_is_one_descent_from_the_start_bit_for_bit(net, steps):
    live = data.live_network(net, steps)
    want = one_descent(net, steps)
    np.testing.assert_array_equal(live.losses, want.losses)  # nan where the reference has nan
    for k in FIELDS:
        np.testing.assert_array_equal(getattr(live.params, k), getattr(want.params, k))
    np.testing.assert_array_equal(live.trace.h, want.trace.h)
    assert live.stop_reason == want.stop_reason and live.steps_done == want.steps_taken
