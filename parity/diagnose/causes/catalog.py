"""Every cause code of the contract: summary, meaning, the signature parity looks for, an example, and
the framework facts (parity/frameworks/, each with its source) the cause rests on.

`detected=False` marks a contract code parity cannot name yet: the engineer who lands its signature
flips it (and the README's table, docs/causes.md, follows through tools/cause_table.py).
"""

from ...frameworks import Fact, caffe, keras, matconvnet
from .registry import cause

K, C, M = "keras", "caffe", "matconvnet"

L2_CONVENTION = cause(
    "l2-convention", "λΣw² against ½λΣw², or any other constant factor on the same penalty",
    f"Both sides penalise the same weights with the same λ, but one writes the penalty λΣw² (Keras: "
    f"{keras.L2_PENALTY.value}, gradient 2λ·w) and the other ½λΣw² (gradient λ·w: Caffe's and MatConvNet's "
    "weight decay, most hand-written NumPy nets). The gradients then differ by λ·w and the weights drift apart "
    "from the first update.",
    "at the first divergence the gradients differ by exactly c·w (a least-squares fit leaves under 1%), and "
    "the penalty one side declares implies a factor of 2 (or ½, 4, ¼) against the other side's",
    "configs/story1: a Keras MLP with kernel_regularizer=L2(0.0005) against a NumPy net whose loss adds "
    "½·0.0005·Σw²",
    facts=((K, keras.L2_PENALTY), (K, keras.PENALTY_IN_LOSS), (C, caffe.L2_RULE), (M, matconvnet.THIS_DECAY)),
    values={"*": {"side": "A", "other": "B", "layers": "dense, dense_1", "r": "2", "scaled": "λ/2",
                  "half": "0.00025", "grad": "0.0005"},
            "numpy": {"side": "B", "scaled": "2λ", "half": "0.0005", "grad": "0.001"}})

WEIGHT_DECAY = cause(
    "weight-decay", "weight decay present on one side only, or a different λ",
    "One side penalises (or decays) the weights and the other does not, or both do with different "
    "strengths. Unlike l2-convention, no simple factor (2, ½, 4, ¼) relates the two.",
    "the gradients differ by c·w with the penalty declared on one side only or a different λ; or, at the first "
    "update that parts the sides, the update difference is c·w on the kernels",
    "configs/story1: the Keras MLP with L2(0.0005) against the NumPy net without a penalty (build_plain)",
    facts=((K, keras.L2_DEFAULT), (K, keras.L1_PENALTY), (C, caffe.WEIGHT_DECAY_DEFAULT), (C, caffe.L1_RULE),
           (M, matconvnet.WEIGHT_DECAY_DEFAULT)),
    values={"*": {"side": "A", "other": "B", "layers": "dense", "half": "0.00025", "lam": "0.0005",
                  "grad": "0.0005"}})

DECOUPLED_DECAY = cause(
    "decoupled-decay", "decoupled against coupled weight decay",
    "One side decays the weights outside the gradient (w ← w − lr·λ·w, decoupled: Keras 3's optimizer "
    "weight_decay, PyTorch's AdamW) and the other adds λ·w to the gradient (coupled: Caffe, MatConvNet, "
    "PyTorch SGD's weight_decay), so with momentum the decay accumulates in the velocity on one side only.",
    "the sides agree at step 1 and part at step 2 (the velocity starts at zero), and the specs declare decay "
    "decoupled on one side and coupled on the other",
    "configs/caffe_keras: keras.optimizers.SGD(momentum=0.9, weight_decay=λ) against a Caffe solver with "
    "weight_decay: λ",
    facts=((K, keras.WEIGHT_DECAY_RULE), (C, caffe.L2_RULE), (M, matconvnet.THIS_DECAY),
           (M, matconvnet.VELOCITY_START)),
    values={"*": {"half": "0.00025", "lam": "0.0005"}})

BIAS_DECAY = cause(
    "bias-decay", "weight decay on the biases on one side only",
    "Caffe and MatConvNet decay every blob unless told otherwise (decay_mult, weightDecay per parameter); a "
    "Keras or PyTorch port usually regularises the kernels only.",
    "at the first update that parts the sides, the update difference of the biases is c·w (a fit of "
    "Δ_B ≈ r·Δ_A + c·w)",
    "configs/caffe_keras: a Keras port with kernel_regularizer only against a Caffe solver with weight_decay",
    facts=((C, caffe.DECAY_MULT_DEFAULT), (C, caffe.NO_PARAM_BLOCK), (M, matconvnet.LAYER_DECAY_DEFAULT)),
    values={"*": {"half": "0.00025", "lam": "0.0005"}})

LR_MULTIPLIER = cause(
    "lr-multiplier", "per-parameter learning-rate factors",
    "One side scales the learning rate of some parameters (Caffe lr_mult, MatConvNet learningRate per "
    "parameter, PyTorch parameter groups); the other trains every parameter at the base rate.",
    "at the first update that parts the sides, some tensors' updates are a constant multiple of the other "
    "side's and the rest agree",
    "configs/caffe_keras: param { lr_mult: 2 } on a Caffe net's biases against a Keras port",
    facts=((C, caffe.LR_MULT_DEFAULT), (C, caffe.LOCAL_RATE), (C, caffe.LR_MULT_ZERO_NO_BACKWARD),
           (M, matconvnet.THIS_LR), (M, matconvnet.LAYER_LR_DEFAULT), (M, matconvnet.SKIP_WHEN_ZERO)),
    values={"*": {"role": "bias", "ratio": "2"}})

OPTIMIZER = cause(
    "optimizer", "the update rules or their constants differ",
    "The sides use different optimizers, or the same one with a different learning rate, momentum or other "
    "constant.",
    "the specs declare different optimizers or constants and the first update parts the weights; or every "
    "tensor's update is the same multiple of the other side's (a different rate)",
    "configs/zoo: Keras Adam against a Caffe solver with SGD and momentum",
    facts=((K, keras.SGD_DEFAULTS), (K, keras.OPTIMIZER_RULES["Adam"]), (C, caffe.SOLVER_TYPE_DEFAULT),
           (C, caffe.SOLVER_TYPES), (C, caffe.SGD_RULE), (C, caffe.ADAM_RULE), (M, matconvnet.SOLVER_DEFAULT)),
    values={"*": {"side": "A", "line": "keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)",
                  "decay": ""}})

MOMENTUM_FORMULATION = cause(
    "momentum-formulation", "the learning rate applied inside the velocity or at update time",
    "Keras and Caffe put the learning rate inside the velocity (v ← μv − lr·g); MatConvNet applies it when "
    "the weights move (w ← w + lr·v), so a new rate rescales the whole velocity. With a constant rate the two "
    "agree; they part at the first update at a new rate.",
    "both sides agree through update k−1 and part at update k, the first at a new learning rate, equal on "
    "both sides",
    "configs/story2: a MatConvNet init with learningRate per epoch against a Keras port with "
    "PiecewiseConstantDecay",
    facts=((K, keras.SGD_RULE), (C, caffe.SGD_RULE), (M, matconvnet.MOMENTUM_RULE), (M, matconvnet.TACCUM),
           (M, matconvnet.WEIGHT_RULE)))

LR_SCHEDULE = cause(
    "lr-schedule", "the learning-rate schedules differ",
    "The sides change the learning rate at different updates or by different factors (Caffe lr_policy, Keras "
    "LearningRateSchedule, MatConvNet learningRate per epoch, PyTorch lr_scheduler).",
    "the sides part at the first update whose learning rates differ, after updates with equal rates",
    "configs/zoo: a Caffe solver with lr_policy: \"step\" (stepsize 3) against a constant Keras rate: apart at "
    "update 4",
    facts=((K, keras.SCHEDULE_STEP), (C, caffe.ITER_COUNTS_UPDATES), (M, matconvnet.EPOCH_RATE)))

LR_DECAY_IGNORED = cause(
    "lr-decay-ignored", "an argument the framework silently drops",
    "Keras 3 accepts the Keras 2 optimizer argument `decay=` and ignores it (a warning at most). In Keras 2 it "
    "was a time-based learning-rate decay, lr / (1 + decay·iterations) — never weight decay.",
    "a Keras side built with `decay=` (the warning is captured while the spec builds), named first when the "
    "schedules or optimizers differ",
    "configs/zoo: a Keras 2 port SGD(decay=0.01) of a Caffe solver with lr_policy: \"inv\", power 1",
    facts=((K, keras.DECAY_KWARG_IGNORED),))

LOSS_FUNCTION = cause(
    "loss-function", "the loss functions differ",
    "The sides minimise different losses (cross-entropy against squared error, a softmax applied twice, "
    "logits taken as probabilities).",
    "the specs declare different losses and the first divergence is in the loss or the gradients",
    "configs/zoo: categorical cross-entropy against mean_squared_error on the same Keras net",
    facts=((K, keras.FROM_LOGITS_DEFAULT), (K, keras.MSE_RULE), (M, matconvnet.SIMPLENN_LOSS_NO_OPTIONS),
           (M, matconvnet.LOSS_TYPE_DEFAULT)),
    values={"*": {"field": "loss"}})

LOSS_REDUCTION = cause(
    "loss-reduction", "sum against mean, or another scale",
    "Both sides compute the same loss per sample but combine the samples differently: one sums over the batch, "
    "the other takes the mean (Keras' default), or one is scaled by another constant.",
    "the loss and every diverging gradient of one side are the same constant multiple of the other's; N (the "
    "sample count) means a sum against a mean",
    "configs/zoo: a NumPy net that sums its cross-entropy over the batch against a Keras model",
    facts=((K, keras.LOSS_REDUCTION), (K, keras.REDUCTION_RULE),
           (M, matconvnet.SOFTMAXLOSS_SUM[matconvnet.BETA25])),
    values={"*": {"side": "B"}})

ACTIVATION = cause(
    "activation", "the activation functions differ",
    "A layer applies a different nonlinearity on each side (ReLU against a leaky ReLU, tanh against sigmoid).",
    "the first divergence is in a layer's activations, and the specs declare a different function there",
    "configs/zoo: ReLU against sigmoid after the same convolution",
    facts=((M, matconvnet.RELU_LEAK_DEFAULT), (M, matconvnet.RELU_RULE)),
    values={"*": {"field": "activation"}})

PADDING = cause(
    "padding", "convolutions or poolings pad differently",
    "A convolution or pooling pads its input by different amounts on the two sides ('same' against 'valid', "
    "a symmetric pad against TF's extra cell at the bottom right).",
    "the first shape-changing layer whose output shape differs, with different pads; or activations that "
    "differ at the borders with the pads declared differently",
    "configs/zoo: Keras Conv2D(padding='same') against a Caffe convolution with pad 0",
    facts=((K, keras.SAME_PADDING), (M, matconvnet.CONV_DEFAULTS), (M, matconvnet.CONV_PAD_FORMS)),
    values={"*": {"field": "convolution padding"}})

POOL_STRIDE = cause(
    "pool-stride", "the pooling strides differ",
    "A pooling layer moves by a different stride on each side, often a default: Keras' strides=None means the "
    "pool size, Caffe's and MatConvNet's default stride is 1.",
    "the first pooling layer, in forward order, whose output shape differs, with different strides",
    "configs/story3: Keras MaxPooling2D((3, 3)) (stride 3 by default) against a Caffe pooling with stride 1",
    facts=((K, keras.POOL_STRIDE_DEFAULT), (M, matconvnet.POOL_DEFAULTS)),
    values={"*": {"layer": "pool1", "kernel": "(3, 3)", "stride": "(1, 1)", "stride_h": "1", "stride_w": "1"}})

POOL_ROUNDING = cause(
    "pool-rounding", "pooling output sizes rounded up against down",
    "Caffe rounds a pooling's output size up (ceil, then clips the last window); Keras, PyTorch (by default) "
    "and MatConvNet round down. The sides then pool maps of different sizes.",
    "the first pooling layer whose output shape differs, with the same stride and pad and different rounding",
    "configs/zoo: 3×3 stride-2 pooling of 26×26 maps: Caffe rounds up (13), Keras down (12)",
    facts=((M, matconvnet.POOL_OUTPUT),))

FLATTEN_ORDER = cause(
    "flatten-order", "feature maps flattened in different orders",
    f"The sides flatten a feature map into a vector in different orders (Keras {keras.FLATTEN_ORDER.value}; "
    "Caffe and PyTorch c,h,w), so the first dense layer's weights meet permuted inputs.",
    "the first diverging activation holds the same values per sample on both sides in a different order (its "
    "sorted values agree)",
    "configs/zoo: Flatten(data_format='channels_first') on channels-last data against a plain Flatten()",
    facts=((K, keras.FLATTEN_ORDER), (M, matconvnet.DATA_LAYOUT)),
    values={"*": {"keras_order": keras.FLATTEN_ORDER.value}})

GROUPED_CONV = cause(
    "grouped-conv", "a grouped convolution against a full one",
    "One side convolves in groups (Caffe group:, MatConvNet filters shallower than their input, Keras "
    "groups=); the other convolves the whole depth.",
    "the first convolution whose kernel shapes differ, with a group count that explains the difference",
    "configs/story2: a MatConvNet init whose filters are half as deep as their input against a Keras port",
    facts=((M, matconvnet.CONV_GROUPS), (K, keras.CONV_KERNEL_LAYOUT)),
    values={"*": {"filters": "256", "kernel": "(1, 1)", "groups": "2", "layer": "conv3", "grouped": "conv3"}})

INPUT_SCALE = cause(
    "input-scale", "the two sides see different input values",
    "The sides read the same samples through different transforms: 8-bit pixels scaled to [0, 1] on one "
    "side, raw [0, 255] on the other; a mean subtracted on one side only.",
    "at step 0, before any training, the inputs the sides see differ (their ranges are reported)",
    "configs/story3: a Caffe Data layer without transform_param scale against a Keras model fed [0, 1]",
    facts=((M, matconvnet.MNIST_MEAN),), values={"*": {"side": "B"}})

LABEL_OFFSET = cause(
    "label-offset", "1-based labels against 0-based",
    "One side reads class c as class c+1 (MatConvNet's labels are 1-based; its MNIST example adds 1 to each "
    "digit) or the reverse.",
    "the output biases' gradients differ by exactly the class counts shifted by one place, divided by N",
    "configs/zoo: a NumPy port that reads 0-based labels as 1-based ones (y − 1): class 0 becomes class 9",
    facts=((M, matconvnet.LABELS_ONE_BASED), (M, matconvnet.MNIST_LABELS)),
    values={"*": {"side": "B"}})

DROPOUT = cause(
    "dropout", "random dropout masks while training",
    "A side draws random numbers while training (a dropout mask, most often), so no other run can match it. "
    "parity runs Keras, Caffe and MatConvNet sides with dropout off.",
    "an adapter's loss differs between two evaluations at the same weights, or after a step at learning rate 0",
    "configs/zoo: a NumPy port that trains with inverted dropout 0.5 on its hidden layer",
    facts=((M, matconvnet.DROPOUT_RATE_DEFAULT), (M, matconvnet.DROPOUT_RULE)),
    values={"*": {"side": "B"}})

BATCHNORM = cause(
    "batchnorm", "batch normalisation constants or statistics differ",
    "A batch normalisation differs between the sides: its epsilon (Keras 1e-3, MatConvNet and Caffe 1e-5), "
    "or the moments it normalises with.",
    "the first divergence is in a batch-normalised layer's activations and the specs declare different "
    "constants there",
    "configs/zoo: a Caffe BatchNorm (eps 1e-5) against a Keras BatchNormalization (epsilon 1e-3)",
    facts=((K, keras.BATCHNORM_DEFAULTS), (M, matconvnet.BNORM_EPSILON_DEFAULT), (M, matconvnet.BNORM_SIGMA),
           (M, matconvnet.TRAIN_MODE), (M, matconvnet.INSERT_BNORM), (C, caffe.BATCHNORM_STATS_FROZEN)),
    values={"*": {"field": "batch norm epsilon"}})

INIT = cause(
    "init", "different initialisers",
    "The specs initialise a parameter differently (glorot_uniform against Caffe's xavier, which is LeCun "
    "uniform). `check` gives both sides the same starting weights, so this matters only with --weights a|b.",
    "listed by `parity diff-spec` and check's spec-difference table; `check` cannot produce it, since both "
    "sides start from the same weights",
    "configs/caffe_keras: Keras' glorot_uniform against Caffe's xavier filler",
    detected=False, facts=((K, keras.DENSE_INIT), (K, Fact("variance scaling", keras.VARIANCE_SCALING_SOURCE))))

ARCHITECTURE = cause(
    "architecture", "layers, units or connections differ",
    "The networks differ in structure: a layer more or less, a different number of units, a different "
    "connection.",
    "a structural mismatch at step 0: the first parameterised layer, in forward order, whose output or "
    "parameter shapes differ after layout conversion",
    "configs/zoo: Keras Conv2D(16) against a Caffe convolution with num_output: 8",
    facts=((K, keras.DENSE_KERNEL_LAYOUT), (M, matconvnet.FILTER_LAYOUT), (M, matconvnet.CONV_FC_MODE)),
    values={"*": {"field": "outputs"}})

DTYPE = cause(
    "dtype", "the only difference is float32 rounding",
    "The sides agree except for float32 rounding: run again in float64, each agrees with the other.",
    "a float32 difference within the noise measured by running each side again in float64",
    "configs/story1: float32 Keras against the float64 NumPy net: the step-0 gradient's float32 noise over "
    "2,000 samples exceeds 1e-5",
    facts=((C, caffe.HYPER_ARE_FLOAT32), (C, caffe.MULTS_ARE_FLOAT32), (K, keras.LR_VARIABLE_DTYPE),
           (K, keras.LOSS_DTYPE)))

NON_FINITE = cause(
    "non-finite", "NaN or Inf appears",
    "A side produced NaN or Inf: a learning rate too high, log(0) in a loss, an overflow.",
    "the first divergence holds a non-finite value on one side (or both), with its step and tensor",
    "configs/planted/exploding_lr.py: a learning rate ×1e45 at update 3 overflows float32")

GRADIENT_BUG = cause(
    "gradient-bug", "a side's gradient disagrees with finite differences of its own loss",
    "A hand-written side's gradients are wrong: they are not the derivative of the loss it reports.",
    "an adapter's grads() disagree with central differences of its own loss() (at most 32 sampled entries, "
    "float64)",
    "configs/story1: a NumPy net whose grads() forgets σ' in the output bias gradient",
    values={"*": {"side": "B", "key": "W1"}})

CUSTOM_STEP = cause(
    "custom-step", "a model's own training step does what its declared optimizer and loss do not say",
    "A Keras model's train_step or a PyTorch spec's step does something its declared optimizer and loss do "
    "not say (clips, scales, skips a term), so a port written from the declarations trains differently.",
    "after each update, the update the model's own step made against the update its declared optimizer "
    "makes from its declared loss (made beside it and undone); named when they differ, with the measured "
    "relation (e.g. 2.00x at every tensor) as evidence",
    "a Keras model whose train_step doubles its gradients against the same model without the override "
    "(configs/custom_step/keras_train_step.py)",
    facts=((K, keras.CLIP_RULES), (C, caffe.CLIP_RULE)))

BATCHNORM_SYNC = cause(
    "batchnorm-sync", "batch statistics per replica against the whole batch",
    "Under data parallelism, a batch normalisation normalises with each replica's own batch moments on one "
    "side and with the whole batch's on the other (synchronised batch norm, or a single device).",
    "at step 0, with --a-replicas/--b-replicas differing, the activations of a stage holding a batch norm "
    "differ while the stage's input agrees",
    "configs/distributed/keras_cnn_bn.py against itself with --b-replicas 2 (MirroredStrategy on 2 devices)")

REPLICA_REDUCTION = cause(
    "replica-reduction", "a loss, penalty or gradient scaled by the number of replicas",
    "Under data parallelism, a loss, penalty or gradient is scaled by the number of replicas: a summed loss "
    "under gradient averaging, a penalty added on every replica.",
    "with --a-replicas/--b-replicas differing, every diverged gradient of one side is the other's times the "
    "replica count (or its inverse)",
    "a PyTorch spec with a summed loss under DistributedDataParallel on 2 processes against one process",
    facts=((M, matconvnet.GRADIENT_SCALE[matconvnet.MASTER]),))
