"""Caffe facts (BVLC/caffe master 9b89154, 2020-02-13; see ../shared/reference/semantics.md §1-5).

Paths are relative to the repository root; line numbers are at that commit.
"""

from . import Fact

# Solvers ---------------------------------------------------------------------------------
#
# SolverParameter defaults. A field without `[default = ...]` is protobuf's 0 / "".

MOMENTUM_DEFAULT = Fact(0.0, 'src/caffe/proto/caffe.proto:174 — "optional float momentum = 11; // The momentum value."')
MOMENTUM2_DEFAULT = Fact(0.999, 'src/caffe/proto/caffe.proto:221 — "optional float momentum2 = 39 [default = 0.999];"')
DELTA_DEFAULT = Fact(1e-8, 'src/caffe/proto/caffe.proto:219 — "optional float delta = 31 [default = 1e-8];"')
RMS_DECAY_DEFAULT = Fact(0.99, 'src/caffe/proto/caffe.proto:225 — "optional float rms_decay = 38 [default = 0.99];"')
WEIGHT_DECAY_DEFAULT = Fact(0.0, 'src/caffe/proto/caffe.proto:175 — "optional float weight_decay = 12; // The weight decay."')
REGULARIZATION_DEFAULT = Fact("L2", 'src/caffe/proto/caffe.proto:178 — "optional string regularization_type = 29 [default = \\"L2\\"];"')
CLIP_GRADIENTS_DEFAULT = Fact(-1.0, 'src/caffe/proto/caffe.proto:186 — "optional float clip_gradients = 35 [default = -1];"')
ITER_SIZE_DEFAULT = Fact(1, 'src/caffe/proto/caffe.proto:154 — "optional int32 iter_size = 36 [default = 1];"')
SOLVER_TYPE_DEFAULT = Fact("SGD", 'src/caffe/proto/caffe.proto:216 — "optional string type = 40 [default = \\"SGD\\"];"')
LR_MULT_DEFAULT = Fact(1.0, 'src/caffe/proto/caffe.proto:316 — "optional float lr_mult = 3 [default = 1.0];"')
DECAY_MULT_DEFAULT = Fact(1.0, 'src/caffe/proto/caffe.proto:319 — "optional float decay_mult = 4 [default = 1.0];"')
POOL_STRIDE_DEFAULT = Fact(1, 'src/caffe/proto/caffe.proto:934 — "optional uint32 stride = 3 [default = 1];"')
NO_PARAM_BLOCK = Fact("a blob without a param{} block gets lr_mult 1, decay_mult 1",
                      'src/caffe/net.cpp:440 — "ParamSpec default_param_spec;"')

# Everything a CaffeSolver reads from the solver file, with its default.
SOLVER_HYPER_DEFAULTS = {
    "momentum": MOMENTUM_DEFAULT.value,
    "momentum2": MOMENTUM2_DEFAULT.value,
    "delta": DELTA_DEFAULT.value,
    "rms_decay": RMS_DECAY_DEFAULT.value,
    "weight_decay": WEIGHT_DECAY_DEFAULT.value,
    "regularization_type": REGULARIZATION_DEFAULT.value,
    "clip_gradients": CLIP_GRADIENTS_DEFAULT.value,
    "iter_size": ITER_SIZE_DEFAULT.value,
}

# The solver's constants are proto `float`s even in a Caffe built for double, so a
# float64 emulation must round them through float32 first (0.9 -> 0.89999997615814).
HYPER_ARE_FLOAT32 = Fact(True, 'src/caffe/proto/caffe.proto:146 — "optional float base_lr = 5; // The base learning rate"')
MULTS_ARE_FLOAT32 = Fact(True, 'include/caffe/net.hpp:324,327 — "vector<float> params_lr_;" / "vector<float> params_weight_decay_;"')

SOLVER_TYPES = Fact(("SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam"),
                    'src/caffe/solvers/*_solver.cpp — "REGISTER_SOLVER_CLASS(Nesterov);" (names are case-sensitive)')
UNKNOWN_SOLVER_TYPE = Fact("fatal", 'include/caffe/solver_factory.hpp:76 — "CHECK_EQ(registry.count(type), 1) << \\"Unknown solver type: \\""')
LEGACY_SOLVER_TYPES = Fact({"SGD": "SGD", "NESTEROV": "Nesterov", "ADAGRAD": "AdaGrad",
                            "RMSPROP": "RMSProp", "ADADELTA": "AdaDelta", "ADAM": "Adam"},
                           'src/caffe/util/upgrade_proto.cpp:1048-1066 — "case SolverParameter_SolverType_NESTEROV: type = \\"Nesterov\\";"')
NO_MOMENTUM_ADAGRAD = Fact("momentum must be 0", 'include/caffe/sgd_solvers.hpp:76-77 — "CHECK_EQ(0, this->param_.momentum()) << \\"Momentum cannot be used with AdaGrad.\\";"')
NO_MOMENTUM_RMSPROP = Fact("momentum must be 0", 'include/caffe/sgd_solvers.hpp:96-97 — "CHECK_EQ(0, this->param_.momentum()) << \\"Momentum cannot be used with RMSProp.\\";"')
RMS_DECAY_RANGE = Fact("0 <= rms_decay < 1", 'include/caffe/sgd_solvers.hpp:98-101 — "CHECK_GE(this->param_.rms_decay(), 0)" / "CHECK_LT(this->param_.rms_decay(), 1)"')

# The order of one update (SGDSolver::ApplyUpdate), shared by every solver type.
APPLY_ORDER = Fact(("GetLearningRate", "ClipGradients", "Normalize", "Regularize", "ComputeUpdateValue", "Net::Update", "++iter_"),
                   'src/caffe/solvers/sgd_solver.cpp:110-126 — "ClipGradients(); ... Normalize(param_id); Regularize(param_id); ComputeUpdateValue(param_id, rate);"')
ITER_COUNTS_UPDATES = Fact("iter_ = updates already applied (0 on the first)",
                           'src/caffe/solvers/sgd_solver.cpp:124-126 — "its value should always indicate the number of times the weights have been updated. ++this->iter_;"')
CLIP_RULE = Fact("only if clip_gradients >= 0; scale every diff by clip/‖all diffs‖₂ when that norm is strictly larger",
                 'src/caffe/solvers/sgd_solver.cpp:90,97-98 — "if (clip_gradients < 0) { return; }" / "if (l2norm_diff > clip_gradients) { Dtype scale_factor = clip_gradients / l2norm_diff;"')
L2_RULE = Fact("diff += weight_decay·decay_mult·w", 'src/caffe/solvers/sgd_solver.cpp:162,168-171 — "Dtype local_decay = weight_decay * net_params_weight_decay[param_id];" / "caffe_axpy(... local_decay, ...cpu_data(), ...mutable_cpu_diff());"')
L1_RULE = Fact("diff += weight_decay·decay_mult·sign(w), sign(0) = 0",
               'src/caffe/solvers/sgd_solver.cpp:173-179 — "caffe_cpu_sign(...)"; include/caffe/util/math_functions.hpp:115 — "return (Dtype(0) < val) - (val < Dtype(0));"')
UNKNOWN_REGULARIZATION = Fact("fatal, but only once some blob has a non-zero local decay",
                              'src/caffe/solvers/sgd_solver.cpp:165,181 — "if (local_decay) {" / "LOG(FATAL) << \\"Unknown regularization type: \\""')
LOCAL_RATE = Fact("rate·lr_mult", 'src/caffe/solvers/sgd_solver.cpp:228 — "Dtype local_rate = rate * net_params_lr[param_id];"')

# ComputeUpdateValue per type; h, h2 start at zero. The .cu kernels state each rule in one place.
SGD_RULE = Fact("h = μ·h + lr·g; w -= h", 'src/caffe/solvers/sgd_solver.cu:10 — "g[i] = h[i] = momentum*h[i] + local_rate*g[i];"')
NESTEROV_RULE = Fact("h' = μ·h + lr·g; w -= (1+μ)·h' − μ·h", 'src/caffe/solvers/nesterov_solver.cu:11-12 — "float hi_new = h[i] = momentum * hi + local_rate * g[i]; g[i] = (1+momentum) * hi_new - momentum * hi;"')
ADAM_RULE = Fact("m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; w -= lr·√(1−β2^t)/(1−β1^t)·m/(√v + δ), t = iter+1; β1 = momentum, β2 = momentum2",
                 'src/caffe/solvers/adam_solver.cpp:39-41 — "const int t = this->iter_ + 1; const Dtype correction = std::sqrt(Dtype(1) - pow(beta2, t)) / (Dtype(1.) - pow(beta1, t));"; adam_solver.cu:13 — "g[i] = corrected_local_rate * mi / (sqrt(vi) + eps_hat);"')

# lr_mult 0: the blob's diff is never computed (it stays at ClearParamDiffs' zero), weight
# decay is still added and still feeds AdaGrad/RMSProp/AdaDelta/Adam histories, but every
# rule ends in ×local_rate = 0, so the weights do not move.
LR_MULT_ZERO_NO_BACKWARD = Fact("lr_mult 0 turns off the blob's backward", 'src/caffe/net.cpp:149 — "const bool param_need_backward = param_spec->lr_mult() != 0;"')
BATCHNORM_STATS_FROZEN = Fact("BatchNorm's mean, variance and factor blobs get lr_mult 0 (decay_mult stays 1)",
                              'src/caffe/layers/batch_norm_layer.cpp:41-42 — "ParamSpec* fixed_param_spec = this->layer_param_.add_param(); fixed_param_spec->set_lr_mult(0.f);"')

# Learning-rate policies (SGDSolver::GetLearningRate); `iter` = updates already applied.
LR_POLICY_DEFAULT = Fact("", 'src/caffe/proto/caffe.proto:171 — "optional string lr_policy = 8;" (no default)')
LR_POLICIES = {
    "fixed": Fact("base_lr", 'src/caffe/solvers/sgd_solver.cpp:31 — "rate = this->param_.base_lr();"'),
    "step": Fact("base_lr·gamma^(iter / stepsize), integer division; stepsize > 0, gamma >= 0",
                 'src/caffe/solvers/sgd_solver.cpp:33-37 — "CHECK_GT(this->param_.stepsize(), 0); this->current_step_ = this->iter_ / this->param_.stepsize();"'),
    "exp": Fact("base_lr·gamma^iter", 'src/caffe/solvers/sgd_solver.cpp:40 — "rate = this->param_.base_lr() * pow(this->param_.gamma(), this->iter_);"'),
    "inv": Fact("base_lr·(1 + gamma·iter)^(−power)", 'src/caffe/solvers/sgd_solver.cpp:43-45 — "pow(Dtype(1) + this->param_.gamma() * this->iter_, - this->param_.power());"'),
    "multistep": Fact("base_lr·gamma^current_step; current_step += 1 (at most once per call) while iter >= stepvalue[current_step]",
                      'src/caffe/solvers/sgd_solver.cpp:47-49 — "if (this->current_step_ < this->param_.stepvalue_size() && this->iter_ >= this->param_.stepvalue(this->current_step_)) { this->current_step_++;"'),
    "poly": Fact("base_lr·(1 − iter/max_iter)^power", 'src/caffe/solvers/sgd_solver.cpp:57-59 — "rate = this->param_.base_lr() * pow(Dtype(1.) - (Dtype(this->iter_) / Dtype(this->param_.max_iter())), this->param_.power());"'),
    "sigmoid": Fact("base_lr/(1 + exp(−gamma·(iter − stepsize))); stepsize > 0, gamma >= 0",
                    'src/caffe/solvers/sgd_solver.cpp:61-65 — "CHECK_GT(this->param_.stepsize(), 0); rate = this->param_.base_lr() * (Dtype(1.) / (Dtype(1.) + exp(-this->param_.gamma() * (Dtype(this->iter_) - Dtype(this->param_.stepsize())))));"'),
}
UNKNOWN_LR_POLICY = Fact("fatal", 'src/caffe/solvers/sgd_solver.cpp:67 — "LOG(FATAL) << \\"Unknown learning rate policy: \\" << lr_policy;"')
GAMMA_NONNEGATIVE = Fact("gamma >= 0 for step, exp, inv, multistep, sigmoid", 'src/caffe/solvers/sgd_solver.cpp:35,39,42,53,61 — "CHECK_GE(this->param_.gamma(), 0);"')
CURRENT_STEP_START = Fact(0, 'src/caffe/solver.cpp:60 — "current_step_ = 0;"')
