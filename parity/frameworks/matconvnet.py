"""MatConvNet facts: vlfeat/matconvnet at tag v1.0-beta25 (14223b89, 2017-08-17, the last tagged
release) and master (1e5ae7b7, 2018-07-28); see ../shared/reference/semantics.md §1-4, 6-8, 10-11.

A source reads `repo-path:line — "quote"`; `@v1.0-beta25` or `@master` names the snapshot where
the two differ (line numbers are those of that snapshot). Unmarked lines are identical in both.
"""

from . import Fact

BETA25, MASTER = "v1.0-beta25", "master"
VERSIONS = {BETA25: "tag v1.0-beta25, commit 14223b89, 2017-08-17", MASTER: "master, commit 1e5ae7b7, 2018-07-28"}
VERSION_ALIASES = {"v1.0-beta25": BETA25, "beta25": BETA25, "1.0-beta25": BETA25, "14223b89": BETA25,
                   "master": MASTER, "1e5ae7b7": MASTER}
DEFAULT_VERSION = Fact(BETA25, "git tag --contains 23699180 (\"Normalise loss\", 2017-12-22) is empty: the last tag, "
                               "v1.0-beta25, predates the loss normalisation")

# cnn_train's options (identical lines in both snapshots) ------------------------------------

LEARNING_RATE_DEFAULT = Fact(0.001, 'examples/cnn_train.m:31 — "opts.learningRate = 0.001 ;"')
WEIGHT_DECAY_DEFAULT = Fact(0.0005, 'examples/cnn_train.m:32 — "opts.weightDecay = 0.0005 ;"')
MOMENTUM_DEFAULT = Fact(0.9, 'examples/cnn_train.m:43 — "opts.momentum = 0.9 ;"')
NESTEROV_DEFAULT = Fact(False, 'examples/cnn_train.m:45 — "opts.nesterovUpdate = false ;"')
BATCH_SIZE_DEFAULT = Fact(256, 'examples/cnn_train.m:23 — "opts.batchSize = 256 ;"')
NUM_SUB_BATCHES_DEFAULT = Fact(1, 'examples/cnn_train.m:24 — "opts.numSubBatches = 1 ;"')
SOLVER_DEFAULT = Fact("sgd", 'examples/cnn_train.m:34 — "opts.solver = [] ;  % Empty array means use the default SGD solver"')
LAYER_LR_DEFAULT = Fact("ones(1, J)", 'examples/cnn_train.m:85-86 — "if ~isfield(net.layers{i}, \'learningRate\')" / '
                                      '"net.layers{i}.learningRate = ones(1, J) ;"')
LAYER_DECAY_DEFAULT = Fact("ones(1, J)", 'examples/cnn_train.m:88-89 — "if ~isfield(net.layers{i}, \'weightDecay\')" / '
                                         '"net.layers{i}.weightDecay = ones(1, J) ;"')
EPOCH_RATE = Fact("epoch k (1-based) uses learningRate(min(k, end))",
                  'examples/cnn_train.m:142 — "params.learningRate = opts.learningRate(min(epoch, numel(opts.learningRate))) ;"')
LOSS_IS_LAST_LAYER = Fact("the labels go to the last layer", 'examples/cnn_train.m:349 — "net.layers{end}.class = labels ;"')
TRAIN_MODE = Fact("training runs vl_simplenn in mode 'normal' with dzdy = 1",
                  'examples/cnn_train.m:343-344 — "dzdy = 1 ;" / "evalMode = \'normal\' ;"')

# The update (accumulateGradients) ---------------------------------------------------------

THIS_DECAY = Fact("λ·weightDecay(j)", 'examples/cnn_train.m:476@v1.0-beta25 (477@master) — '
                                     '"thisDecay = params.weightDecay * net.layers{l}.weightDecay(j) ;"')
THIS_LR = Fact("lr·learningRate(j)", 'examples/cnn_train.m:477@v1.0-beta25 (478@master) — '
                                    '"thisLR = params.learningRate * net.layers{l}.learningRate(j) ;"')
SKIP_WHEN_ZERO = Fact("no update at all (velocity kept) when thisLR = 0 and thisDecay = 0",
                      'examples/cnn_train.m:479@v1.0-beta25 (480@master) — "if thisLR>0 || thisDecay>0"')
GRADIENT_SCALE = {
    BETA25: Fact("g' = dzdw/batchSize + thisDecay·w (dzdw is the gradient of the summed loss)",
                 'examples/cnn_train.m:481-482@v1.0-beta25 — "parDer = vl_taccum(1/batchSize, parDer, ..." / '
                 '"thisDecay, net.layers{l}.weights{j}) ;"'),
    MASTER: Fact("g' = dzdw/numWorkers + thisDecay·w, numWorkers = max(1,numGpus)·numSubBatches = 1 here "
                 "(dzdw is already the gradient of the per-image mean)",
                 'examples/cnn_train.m:455,482@master — "numWorkers = max(1,numGpus) * params.numSubBatches ;" / '
                 '"parDer = vl_taccum(1/numWorkers, parDer, ..."'),
}
TACCUM = Fact("vl_taccum(a, A, b, B) = a·A + b·B", 'matlab/vl_taccum.m:2 — "%VL_TACCUM  Compute A = alpha A + beta B"')
MOMENTUM_RULE = Fact("v ← μ·v − g'", 'examples/cnn_train.m:487-489@v1.0-beta25 — "state.solverState{l}{j} = vl_taccum(..." / '
                                    '"params.momentum, state.solverState{l}{j}, ..." / "-1, parDer) ;"')
NESTEROV_RULE = Fact("delta = μ·v − g' (after v is updated); otherwise delta = v",
                     'examples/cnn_train.m:492-495@v1.0-beta25 — "if params.nesterovUpdate" / '
                     '"delta = params.momentum * state.solverState{l}{j} - parDer ;"')
WEIGHT_RULE = Fact("w ← w + thisLR·delta: the rate enters at update time, so a new rate rescales the whole velocity",
                   'examples/cnn_train.m:499-501@v1.0-beta25 — "net.layers{l}.weights{j} = vl_taccum(..." / '
                   '"1, net.layers{l}.weights{j}, ..." / "thisLR, delta) ;"')
VELOCITY_START = Fact(0, 'examples/cnn_train.m:262-266 — "% initialize with momentum 0" / "state.solverState{i}(:) = {0} ;"')
OBJECTIVE = {
    BETA25: Fact("Σ of the loss layer's output (already summed over the batch) / number of samples",
                 'examples/cnn_train.m:362,375@v1.0-beta25 — "sum(double(gather(res(end).x))) ;" / '
                 '"stats = extractStats(net, params, error / num) ;"'),
    MASTER: Fact("N · the loss layer's output (a per-image mean) / number of samples",
                 'examples/cnn_train.m:362@master — "sum(size(res(end-1).x,4) * double(gather(res(end).x))) ;"'),
}
BNORM_MOMENTS_RULE = {
    BETA25: Fact("moments ← (1 − ρ)·moments + ρ·batch moments, ρ = learningRate(3), not scaled by the global rate; "
                 "vl_simplenn multiplies the batch moments by N and cnn_train divides by batchSize",
                 'examples/cnn_train.m:468-473@v1.0-beta25 — "thisLR = net.layers{l}.learningRate(j) ;" / '
                 '"thisLR / batchSize, ..."; matlab/simplenn/vl_simplenn.m:483@v1.0-beta25 — '
                 '"dzdw{3} = dzdw{3} * size(res(i).x,4) ;"'),
    MASTER: Fact("moments ← (1 − ρ)·moments + ρ/numWorkers·batch moments (the ×N was removed)",
                 'examples/cnn_train.m:469-473@master — "thisLR / numWorkers, ..."'),
}

# vl_simplenn_tidy's defaults (identical in both snapshots) --------------------------------

TIDY = 'matlab/simplenn/vl_simplenn_tidy.m'
LAYER_NAME_DEFAULT = Fact("layer%d", f'{TIDY}:46 — "defaults = {{\'name\', sprintf(\'layer%d\', l), \'precious\', false}};"')
CONV_DEFAULTS = Fact({"pad": 0, "stride": 1, "dilate": 1}, f'{TIDY}:82-87 — "\'pad\', 0, ..." "\'stride\', 1, ..." "\'dilate\', 1, ..."')
POOL_DEFAULTS = Fact({"pad": 0, "stride": 1}, f'{TIDY}:89-93 — "case \'pool\'" "\'pad\', 0, ..." "\'stride\', 1, ..."')
POOL_METHOD_REQUIRED = Fact("a pool layer must name its method: tidy's 'method', 'max' sits in a second "
                            "`case {'pool'}` that MATLAB's switch never reaches, and vl_simplenn reads l.method",
                            f'{TIDY}:89,102-104 — "case \'pool\'" … "case {{\'pool\'}}" / "\'method\', \'max\', ..."; '
                            'matlab/simplenn/vl_simplenn.m:318 — "\'method\', l.method, ..."')
RELU_LEAK_DEFAULT = Fact(0.0, f'{TIDY}:109-111 — "case \'relu\'" / "\'leak\', 0}}] ;"')
RELU_LEAK_ONLY_POSITIVE = Fact("a leak ≤ 0 is plain ReLU", 'matlab/simplenn/vl_simplenn.m:335 — '
                                                          '"if l.leak > 0, leak = {\'leak\', l.leak} ; else leak = {} ; end"')
RELU_RULE = Fact("y = x·(leak + (1 − leak)·[x > 0]); derivative leak at x = 0",
                 'matlab/vl_nnrelu.m:51,53 — "y = x .* (opts.leak + (1 - opts.leak) * (x > 0)) ;"')
DROPOUT_RATE_DEFAULT = Fact(0.5, f'{TIDY}:113-115 — "case \'dropout\'" / "\'rate\', 0.5}}] ;"')
DROPOUT_RULE = Fact("inverted dropout with a random mask in training", 'matlab/vl_nndropout.m:42 — "scale = 1 / (1 - opts.rate) ;"')
LRN_DEFAULT = Fact([5, 1, 0.0001 / 5, 0.75], f'{TIDY}:117-119 — "\'param\', [5 1 0.0001/5 0.75]}}] ;"')
BNORM_EPSILON_DEFAULT = Fact(1e-5, f'{TIDY}:129-131 — "case {{\'bnorm\'}}" / "\'epsilon\', 1e-5 }} ] ;"')
BNORM_MOMENTS_ADDED = Fact("zeros(C, 2): [means, sigmas]", f'{TIDY}:73-76 — "if numel(layer.weights) < 3" / '
                                                           '"zeros(numel(layer.weights{1}),2,\'single\') ;"')
BNORM_TRAIN = Fact("training normalises with the batch's own moments, never the stored ones",
                   'matlab/simplenn/vl_simplenn.m:361-363 — "res(i+1).x = vl_nnbnorm(res(i).x, l.weights{1}, '
                   'l.weights{2}, ..." (no \'moments\' outside test mode)')
BNORM_SIGMA = Fact("σ = √(max(0, E[x²] − μ²) + ε) over H, W and N; y = γ/σ·(x − μ) + β",
                   'matlab/src/bits/nnbnorm.cu:67,69,196,201 — "T sigma2 = std::max((T).0, moments[i + depth]/mass - mean*mean) ;" '
                   '/ "moments[i + depth] = sqrt(sigma2 + epsilon);"')

# Layers --------------------------------------------------------------------------------------

CONV_PAD_FORMS = Fact("one number, or [top bottom left right]", 'matlab/src/vl_nnconv.cu:158-172 — '
                      '"switch (mxGetNumberOfElements(optarg))" / "case 4: padTop = ...[0] ; padBottom = ...[1] ;"')
CONV_OUTPUT = Fact("floor((H + pt + pb − ((FH − 1)·dilate + 1))/stride) + 1",
                   'matlab/src/vl_nnconv.cu:326,328 — "int kernelExtentY = (filtersShape.getHeight() - 1)*dilateY + 1 ;"')
CONV_GROUPS = Fact("G = input depth / filter depth: filter g·K/G … (g+1)·K/G − 1 see input channels g·C/G …",
                   'matlab/src/vl_nnconv.cu:309 — "numFilterGroups = data.getDepth() / filters.getDepth() ;"')
CONV_GROUPS_CHECKS = Fact("the filter depth must divide the input depth and G the number of filters",
                          'matlab/src/vl_nnconv.cu:310-315 — "The FILTERS depth does not divide the DATA depth." / '
                          '"The number of filter groups does not divide the number of filters."')
CONV_TOO_LARGE = Fact("error", 'matlab/src/vl_nnconv.cu:304-306 — "FILTERS are larger than the DATA (including padding)."')
CONV_FC_MODE = Fact("1×1 output, stride 1, no pad, no dilation, one group: the fully-connected case",
                    'matlab/src/vl_nnconv.cu:351-361 — "fullyConnectedMode = (outputShape.getHeight() == 1 &&"')
POOL_OUTPUT = Fact("floor((H + pt + pb − P)/stride) + 1", 'matlab/src/bits/nnpooling.cu:117 — '
                   '"auto outputHeight = (height + (op.padTop + op.padBottom) - op.poolHeight)/op.strideY + 1 ;"')
POOL_WINDOW_CLIPPED = Fact("windows are clipped to the image: max ignores padding, avg divides by the cells inside",
                           'matlab/src/bits/nnpooling.cu:124-128 — "int x2 = std::min(x1 + op.poolWidth, (int)width) ;" / '
                           '"Accumulator acc(y2 - y1, x2 - x1) ;"')
POOL_PAD_LIMIT = Fact("each pad must be smaller than the window", 'matlab/src/vl_nnpool.cu:232-236 — '
                      '"A padding value is larger or equal to the size of the pooling window."')
POOL_CUDNN_AVG = Fact("the GPU cuDNN path counts padding in avg pooling when only top/bottom are padded; parity "
                      "follows the CPU code", 'matlab/src/bits/nnpooling_cudnn.cu:57 — '
                      '"if (op.method == Pooling::Average && (op.padLeft > 0 | op.padRight > 0)) {"')
SOFTMAXLOSS_SUM = {
    BETA25: Fact("Σ over pixels and images of log Σ exp(x) − x_c", 'matlab/vl_nnsoftmaxloss.m:77-78@v1.0-beta25 — '
                 '"t = xmax + log(sum(ex,3)) - reshape(x(c_), [sz(1:2) 1 sz(4)]) ;" / "y = sum(sum(sum(mass .* t,1),2),4) ;"'),
    MASTER: Fact("the same sum / N, in the value and the derivative", 'matlab/vl_nnsoftmaxloss.m:84@master — "y = y / sz(4) ;"'),
}
LOSS_SUM = {
    BETA25: Fact("Σ over pixels and images", 'matlab/vl_nnloss.m:263@v1.0-beta25 — "y = sum(t(:));"'),
    MASTER: Fact("Σ / N when x has 4 dimensions (N > 1)", 'matlab/vl_nnloss.m:140,269-270@master — '
                 '"opts.normalise = true ;" / "if opts.normalise && numel(size(x))==4" / "y = y ./ size(x,4) ;"'),
}
LOSS_TYPE_DEFAULT = Fact("softmaxlog", 'matlab/vl_nnloss.m:139 — "opts.loss = \'softmaxlog\' ;"')
SIMPLENN_LOSS_NO_OPTIONS = Fact("a simplenn `loss` layer is always softmaxlog: vl_simplenn passes no options",
                                'matlab/simplenn/vl_simplenn.m:329 — "res(i+1).x = vl_nnloss(res(i).x, l.class) ;"')
LABELS_ONE_BASED = Fact("classes 1..D; 0 is ignored", 'matlab/vl_nnloss.m:19 — '
                        '"C is an array of integers in the range [1, D] with N elements"')
MNIST_LABELS = Fact("the MNIST example adds 1 to the stored digit", 'examples/mnist/cnn_mnist.m:121 — "y1=double(y1(9:end)\')+1 ;"')
MNIST_MEAN = Fact("the MNIST example subtracts the mean image in its imdb (not in the init file)",
                  'examples/mnist/cnn_mnist.m:130-131 — "data = bsxfun(@minus, data, dataMean) ;"')
DATA_LAYOUT = Fact("H×W×C×N", 'matlab/vl_nnconv.m:8 — "X is an array of dimension H x W x C x N"')
FILTER_LAYOUT = Fact("H×W×(C/G)×K", 'matlab/src/vl_nnconv.cu:309 (depth = C/G); matlab/vl_nnconv.m:12 says '
                                   '"FW x FH x FC x K" but the code reads height first')
INSERT_BNORM = Fact("cnn_mnist_init's bnorm: learningRate [1 1 0.05], weightDecay [0 0], and the conv bias removed",
                    'examples/mnist/cnn_mnist_init.m:78-80 — "\'learningRate\', [1 1 0.05], ..." / '
                    '"\'weightDecay\', [0 0]) ;" / "net.layers{l}.weights{2} = [] ;"')

SUPPORTED_TYPES = ("conv", "pool", "relu", "sigmoid", "dropout", "bnorm", "softmax", "softmaxloss", "loss",
                   "normalize", "lrn")
