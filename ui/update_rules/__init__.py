r"""The "Update rules" page, by kind: its cached calls (calls), its tables and charts (charts), its
sentences (text) and its step buttons (controls); its formulas are in ui.formulas.

The page dissects one loss L⁽ˢ⁾: ∂L⁽ˢ⁾/∂W = Σₖ₌₁ˢ δₖ⁽ˢ⁾ h⁽ᵏ⁻¹⁾ᵀ (x⁽ᵏ⁾ᵀ for U), one term per path
L⁽ˢ⁾ → o⁽ˢ⁾ → h⁽ˢ⁾ → … → h⁽ᵏ⁾ → W. Every number comes from rnn_core.
"""
