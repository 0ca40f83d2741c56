"""A small PyTorch MLP to run in one process against itself under DistributedDataParallel on 2 processes:

    parity check configs/distributed/torch_mlp.py configs/distributed/torch_mlp.py --b-replicas 2 \
        --samples 32 --steps 5                                    # parity
    parity check configs/distributed/torch_mlp.py configs/distributed/torch_mlp.py:build_summed \
        --b-replicas 2 --samples 32 --steps 5                     # replica-reduction

`build_summed` sums its loss over the batch: one process sums all 32 samples, while DDP averages the two
processes' gradients (torch/nn/parallel/distributed.py), each of a sum over 16, so its gradients are
half of a single process's with the same summed loss — and against the mean-loss side A they are 16×.
"""

import torch


def _mlp(reduction):
    model = torch.nn.Sequential(torch.nn.Linear(784, 16), torch.nn.ReLU(), torch.nn.Linear(16, 10))
    return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
            "loss": torch.nn.CrossEntropyLoss(reduction=reduction)}


def build():
    return _mlp("mean")


def build_summed():
    return _mlp("sum")
