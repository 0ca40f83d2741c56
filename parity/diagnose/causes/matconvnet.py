"""How each cause's fix reads in MatConvNet (simplenn, cnn_train) terms."""

from ...frameworks import matconvnet
from . import catalog as c
from .registry import phrase

M = "matconvnet"

phrase(M, c.L2_CONVENTION, f"side {{side}}: trainOpts.weightDecay = {{grad}} (cnn_train adds "
       f"{matconvnet.THIS_DECAY.value}·w to the gradient: the ½λΣw² convention)")
phrase(M, c.WEIGHT_DECAY, "MatConvNet: net.meta.trainOpts.weightDecay = {lam}")
phrase(M, c.BIAS_DECAY, "MatConvNet: 'weightDecay', [1 0] on the layer (no decay on the biases)")
phrase(M, c.LR_MULTIPLIER, "MatConvNet: 'learningRate', [1 1] on the layer")
phrase(M, c.LR_SCHEDULE, "MatConvNet: trainOpts.learningRate with one rate per epoch (one full-batch step is one "
       "epoch)")
phrase(M, c.POOL_STRIDE, "MatConvNet: 'stride', [{stride_h} {stride_w}] in {layer}")
phrase(M, c.LABEL_OFFSET, "MatConvNet: labels are 1..D (vl_nnloss); the other side's 0-based labels need +1 there "
       "and nowhere else")
