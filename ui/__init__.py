"""The app's building blocks: URL-bound controls, cached calls into rnn_core, charts, formulas.

No math lives here: numbers come from rnn_core; this package shapes them for the pages.
"""
