"""The app's pages, in navigation order: one entry per page, read by the navigation and the Overview.

A page is added here and nowhere else: the entry file builds ``st.navigation`` from :data:`PAGES`
and the Overview lists every page but itself with its blurb.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SitePage:
    """One page: its script under app_pages/, title, URL path ("" for the default page), icon, blurb."""

    script: str
    title: str
    url_path: str
    icon: str
    blurb: str


PAGES = (
    SitePage(
        "app_pages/overview.py",
        "Overview",
        "",
        ":material/home:",
        "The model, the network unrolled in time, and this network's regime.",
    ),
    SitePage(
        "app_pages/update_rules.py",
        "Update rules",
        "update-rules",
        ":material/functions:",
        "Gradient descent on V, W and U: why ∂L/∂W and ∂L/∂U sum over paths through earlier steps and "
        "∂L/∂V does not. Every path term computed and reconciled with the total.",
    ),
    SitePage(
        "app_pages/by_hand.py",
        "Work it by hand",
        "by-hand",
        ":material/edit_note:",
        "The homework's ∂L⁽³⁾/∂W, ∂L⁽³⁾/∂U and updates on a network small enough for paper: every number "
        "in order, revealed on demand, and your own values checked with the likely mistake named.",
    ),
    SitePage(
        "app_pages/activations.py",
        "Activation derivatives",
        "activations",
        ":material/show_chart:",
        "sigmoid, tanh, ReLU and friends, their derivatives, the bound γ = sup|f′| and what multiplying "
        "many derivatives does. Where the homework's ranges go wrong.",
    ),
    SitePage(
        "app_pages/vanishing.py",
        "Vanishing & exploding",
        "vanishing",
        ":material/trending_down:",
        "‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖ against the distance t − k, the bound (γ·σ_max(W))^(t−k), which paths carry the "
        "gradient, and the remedies: clipping, truncation, initialisation.",
    ),
    SitePage(
        "app_pages/gates.py",
        "Gates",
        "gates",
        ":material/door_sliding:",
        "Why the LSTM and the GRU keep the gradient alive: the exact state Jacobians of all three cells "
        "on one sequence, the carousel Πf beside the exact ∂s⁽ᵀ⁾/∂s⁽ᵏ⁾, the gates, and the two ledgers.",
    ),
    SitePage(
        "app_pages/training.py",
        "Training lab",
        "training",
        ":material/model_training:",
        "Train the network on a long-range toy task and watch the gradient vanish or explode while it "
        "learns, or fails to; compare cells, optimizers and remedies run against run.",
    ),
    SitePage(
        "app_pages/bug_lab.py",
        "Bug lab",
        "bug-lab",
        ":material/bug_report:",
        "A BPTT with one classic bug: read its gradient check entry by entry and step by step, name the "
        "bug, and see the one line that is wrong.",
    ),
)
