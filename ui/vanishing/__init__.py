r"""The "Vanishing & exploding" page, by kind: cached calls into rnn_core (:mod:`.calls`), Altair
charts (:mod:`.charts`) and the sentences it shows (:mod:`.text`); its LaTeX is in ui.formulas.

An error that travels d steps back is multiplied by d Jacobians diag(f′(a⁽ʲ⁾)) W, so
‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂ ≤ (γ·σ_max(W))ᵈ. The numbers come from rnn_core; here they are cached, put into
words and drawn.
"""
