"""The sidebar's words: the labels and help texts of the "Network" controls, as templates for
ui.i18n.say. (The option labels in ui.state, ACTIVATION_LABELS and the like, are not here: they
double as URL values, so they are the same in every language.)"""

NETWORK = "Network"
ACTIVATION = "Activation f"
ACTIVATION_HELP = (
    "h⁽ᵗ⁾ = f(a⁽ᵗ⁾). Its derivative bounds how much gradient survives each step. leaky-ReLU has "
    "slope {slope} for a ≤ 0."
)
HIDDEN = "Hidden size H"
LENGTH = "Sequence length T"
W_INIT = "W initialisation"
W_INIT_HELP = (
    "orthogonal: W = σ·Q with Q orthogonal (all singular values equal); gaussian: random Gaussian W "
    "divided by its largest singular value; identity: W = σ·I."
)
W_SCALE = "σ_max(W), the largest singular value of W"
W_SCALE_SHORT = "σ_max(W)"
W_SCALE_HELP = (
    "The initial W is scaled so that its largest singular value is this (up to float64 rounding); gradient steps "
    "then move W, and every page quotes the σ_max(W) of the W it uses. Below 1/γ ({thresholds}) "
    "vanishing is guaranteed; exactly at 1/γ no "
    "‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖ can grow; above it the bound allows growth, which the derivatives may or may "
    "not let happen."
)
MORE = "Sizes, loss, seed, learning rate"
INPUT = "Input size D"
OUTPUT = "Output size K"
LOSS = "Loss L⁽ᵗ⁾"
LOSS_HELP = "softmax-CE: L⁽ᵗ⁾ = −log ŷ⁽ᵗ⁾[y⁽ᵗ⁾] with ŷ⁽ᵗ⁾ = softmax(o⁽ᵗ⁾). MSE: L⁽ᵗ⁾ = ½‖o⁽ᵗ⁾ − y⁽ᵗ⁾‖²."
SEED = "Seed"
SEED_HELP = (
    "Draws U, W, V (the biases b and c start at 0), the input sequence x⁽¹⁾…x⁽ᵀ⁾ and the targets y⁽¹⁾…y⁽ᵀ⁾."
)
LEARNING_RATE = "Learning rate lr"
STEPS = "Gradient steps taken"
LINK_FALLBACK = (
    "The link sets {label} to “{received}”, which this control does not accept ({expected}): "
    "the page uses {used} instead."
)
THRESHOLD_GROUP = "{edge} for {names}"
LINK_RANGE = "a number from {low} to {high}"
STEPS_HELP = (
    "Full-batch steps θ ← θ − lr·∂L/∂θ on the sequence, from the initial network. The Update rules "
    "page takes them one at a time; every page shows the network after them."
)
