r"""The "Gates" page, by kind: its settings and cached calls into rnn_core (:mod:`.calls`), Altair
charts (:mod:`.charts`), the sentences it shows (:mod:`.text`) and its controls (:mod:`.sections`);
its LaTeX is in ui.formulas ("gates").

A tanh RNN multiplies an error by diag(f′(a)) W at every step back; the LSTM's cell state by its
forget gate diag(f), the GRU's state by its update gate diag(u) plus terms through the gates. The
numbers come from rnn_core.gate_profiles; here they are cached, put into words and drawn.
"""
