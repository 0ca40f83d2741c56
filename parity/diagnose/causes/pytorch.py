"""How each cause's fix reads in PyTorch terms."""

from . import catalog as c
from .generic import GROUPS_TAIL
from .registry import phrase

P = "pytorch"

phrase(P, c.L2_CONVENTION, "side {side}: torch.optim.SGD(..., weight_decay={grad}) adds {grad}·w to the gradient "
       "(the ½λΣw² convention), or a loss term {half}·Σw²")
phrase(P, c.WEIGHT_DECAY, "PyTorch: torch.optim.SGD(..., weight_decay={lam}) (coupled: λ·w added to the gradient)")
phrase(P, c.DECOUPLED_DECAY, "PyTorch: torch.optim.SGD(weight_decay=λ) is coupled; torch.optim.AdamW decouples it")
phrase(P, c.BIAS_DECAY, "PyTorch: a parameter group for the biases with weight_decay=0")
phrase(P, c.LR_MULTIPLIER, "PyTorch: a parameter group for those parameters with lr scaled by the other side's "
       "factor")
phrase(P, c.MOMENTUM_FORMULATION, "on the PyTorch side, multiply each momentum_buffer by new_rate/old_rate when the "
       "rate changes (torch.optim.SGD keeps the rate outside the buffer)")
phrase(P, c.LR_SCHEDULE, "PyTorch: a torch.optim.lr_scheduler stepped once after every update (one full-batch "
       "step is one epoch)")
phrase(P, c.LOSS_REDUCTION, "PyTorch: nn.CrossEntropyLoss() takes the mean (reduction='mean'); "
       "reduction='sum' sums")
phrase(P, c.POOL_STRIDE, "PyTorch: nn.MaxPool2d({kernel}, stride={stride}) for {layer}")
phrase(P, c.FLATTEN_ORDER, "PyTorch: x.permute(0, 2, 3, 1).flatten(1) flattens h,w,c as Keras does")
phrase(P, c.GROUPED_CONV, "PyTorch: nn.Conv2d(in_channels, {filters}, {kernel}, groups={groups}) for {layer} "
       + GROUPS_TAIL)
phrase(P, c.BATCHNORM, "PyTorch: nn.BatchNorm2d(C, eps=1e-5) (the default) against Keras' 1e-3")
phrase(P, c.CUSTOM_STEP, "PyTorch: make the spec's step(model, optimizer, x, y) do zero_grad, forward, loss, "
       "backward, step and nothing else, or port what it adds to the other side")
phrase(P, c.BATCHNORM_SYNC, "PyTorch: torch.nn.SyncBatchNorm.convert_sync_batchnorm(model) before "
       "DistributedDataParallel")
phrase(P, c.REPLICA_REDUCTION, "PyTorch: a mean-reduced loss per process (DistributedDataParallel averages the "
       "gradients over the processes), not a sum")
