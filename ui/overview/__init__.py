"""The Overview page, by kind: its cached call (calls) and its sentences (text); its formulas are in
ui.formulas, its graph in ui.graph."""
