"""How each cause's fix reads in Caffe (prototxt) terms."""

from ...frameworks import caffe
from . import catalog as c
from .generic import GROUPS_TAIL
from .registry import phrase

C = "caffe"

phrase(C, c.L2_CONVENTION, f"side {{side}}: weight_decay: {{grad}} in the solver (Caffe adds "
       f"{caffe.L2_RULE.value}: the ½λΣw² convention)")
phrase(C, c.WEIGHT_DECAY, "Caffe: weight_decay: {lam} in the solver (decay_mult 1 on the kernels)")
phrase(C, c.BIAS_DECAY, "Caffe: param {{ decay_mult: 0 }} for the bias blobs")
phrase(C, c.LR_MULTIPLIER, "Caffe: param {{ lr_mult: 1 }} for the {role} blobs")
phrase(C, c.LR_SCHEDULE, "Caffe: lr_policy with the other side's rates (fixed, step, multistep, exp, inv, poly, "
       "sigmoid)")
phrase(C, c.POOL_STRIDE, "Caffe: pooling_param {{ stride: {stride_h} }} in {layer}")
phrase(C, c.POOL_ROUNDING, "Caffe: pooling_param {{ round_mode: FLOOR }} in the pooling layer")
phrase(C, c.GROUPED_CONV, "Caffe: convolution_param {{ group: {groups} }} in {layer} " + GROUPS_TAIL)
INPUT_FIX = ("side {side}: transform_param {{ scale: 0.00392157 }} (= 1/255) in its Data layer, so both sides see "
             "[0, 1]")
phrase(C, c.INPUT_SCALE, INPUT_FIX)
phrase(C, c.INPUT_SCALE, INPUT_FIX, "ablation")
# A stride the file writes equal to Caffe's own default, said in the pool-stride message.
phrase(C, c.POOL_STRIDE, f"as the file writes it; Caffe's default is {caffe.POOL_STRIDE_DEFAULT.value} too, "
       f"{caffe.POOL_STRIDE_DEFAULT.source.split(' — ')[0].removeprefix('src/caffe/proto/')}", "written-default")
