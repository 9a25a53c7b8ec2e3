r"""The "Bug lab" page, by kind: the lab's BPTT, its bugs and the gradient check (bugs), the cached
check on the live network (calls), its heatmaps (charts), its sentences (text), and its link state
and sections (sections).

Every bug is one line of the lab's reference BPTT changed; the check compares the variant with
finite differences (or rnn_core's truncated BPTT) entry by entry and step by step.
"""
