"""The Overview page's cached call into rnn_core: the spectrum of the live network's W."""

from __future__ import annotations

import rnn_core as rc
from ui.cache import cache_data
from ui.data import live_network
from ui.state import Network


@cache_data(max_entries=128, show_spinner=False)
def spectral_summary(net: Network, steps: int) -> rc.SpectralSummary:
    """σ_max(W), ρ(W), γ and γ·σ_max(W) of ``net`` after ``steps`` gradient steps."""
    return rc.spectral_summary(live_network(net, steps).params.W, net.activation)
