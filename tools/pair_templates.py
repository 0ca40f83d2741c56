"""Source text of the specs tools/generate_pairs.py writes: a Keras builder, a NumPy adapter, a Caffe
net and solver, a MatConvNet init function, each filled in from one drawn setting.

The NumPy adapter is deliberately unlike configs/story1/numpy_net.py: a list of layers walked in a
loop, kernels stored (in, out) as Keras stores them, the penalty and reduction as parameters, and
`grads()` only on the subclass that has it.
"""

KERAS = '''"""Generated Keras side: {hidden} hidden units, {act}, {loss}."""

import keras


def build():
    reg_k = {kreg}
    reg_b = {breg}
    layers = [keras.Input({input_shape})]{flatten}
    for units in {hidden}:
        layers.append(keras.layers.Dense(units, activation="{act}", kernel_regularizer=reg_k,
                                         bias_regularizer=reg_b))
    layers.append(keras.layers.Dense(10, activation="{out_act}", kernel_regularizer=reg_k, bias_regularizer=reg_b))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate={lr!r}, momentum={momentum!r}), loss="{keras_loss}")
    return model
'''

NUMPY = '''"""Generated NumPy side: a layer list walked forwards and backwards, float64."""

import numpy as np

SIZES = {sizes}
ACT = "{act}"
LOSS = "{loss}"
PENALTY = {penalty!r}      # objective adds PENALTY * sum of squared kernel entries
BIAS_PENALTY = {bias_penalty!r}
SUMMED = {summed!r}        # data term summed over the batch instead of averaged
BIAS_RATE = {bias_rate!r}  # factor on the biases' step
RATE = {rate_factor!r}     # factor on every step
SHRINK_FORM = {shrink!r}   # write the penalty's step as w * (1 - 2 * PENALTY * lr) - lr * g_data


def _act(z):
    if ACT == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if ACT == "tanh":
        return np.tanh(z)
    return np.maximum(z, 0.0)


def _act_slope(z, a):
    if ACT == "sigmoid":
        return a * (1.0 - a)
    if ACT == "tanh":
        return 1.0 - a * a
    return (z > 0).astype(z.dtype)


class Net:
    input_shape = (784,)

    def __init__(self):
        self.names = []
        for i, (fan_in, fan_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
            setattr(self, f"k{{i}}", np.zeros((fan_in, fan_out)))
            setattr(self, f"c{{i}}", np.zeros(fan_out))
            self.names += [f"k{{i}}", f"c{{i}}"]
        self.layouts = {{f"k{{i}}": "in,out" for i in range(len(SIZES) - 1)}}

    def get_params(self):
        return {{n: getattr(self, n) for n in self.names}}

    def set_params(self, params):
        for n, v in params.items():
            setattr(self, n, np.array(v, dtype=np.float64))

    def _run(self, x):
        trace = [(None, x.reshape(len(x), -1))]
        depth = len(SIZES) - 1
        for i in range(depth):
            z = trace[-1][1] @ getattr(self, f"k{{i}}") + getattr(self, f"c{{i}}")
            if i < depth - 1:
                a = _act(z)
            elif LOSS == "ce":
                e = np.exp(z - z.max(axis=1, keepdims=True))
                a = e / e.sum(axis=1, keepdims=True)
            else:
                a = _act(z) if ACT == "sigmoid" else z
            trace.append((z, a))
        return trace

    def _data(self, x, y):
        trace = self._run(x)
        out = trace[-1][1]
        onehot = np.zeros_like(out)
        onehot[np.arange(len(y)), y] = 1.0
        if LOSS == "ce":
            per = -np.log(np.maximum(np.sum(out * onehot, axis=1), 1e-300))
            d_z = out - onehot
        else:
            per = np.mean((out - onehot) ** 2, axis=1)
            d_out = 2.0 * (out - onehot) / out.shape[1]
            z = trace[-1][0]
            d_z = d_out * _act_slope(z, out) if ACT == "sigmoid" else d_out
        scale = 1.0 if SUMMED else 1.0 / len(y)
        return scale * per.sum(), trace, scale * d_z

    def _penalty(self):
        total = 0.0
        for n in self.names:
            total += (PENALTY if n.startswith("k") else BIAS_PENALTY) * float(np.sum(getattr(self, n) ** 2))
        return total

    def loss(self, x, y):
        value, _, _ = self._data(x, y)
        return value + self._penalty()

    def _data_grads(self, x, y):
        _, trace, d_z = self._data(x, y)
        out = {{}}
        for i in reversed(range(len(SIZES) - 1)):
            below = trace[i][1]
            out[f"k{{i}}"] = below.T @ d_z
            out[f"c{{i}}"] = d_z.sum(axis=0)
            if i:
                z, a = trace[i]
                d_z = (d_z @ getattr(self, f"k{{i}}").T) * _act_slope(z, a)
        return out

    def step(self, x, y, lr):
        g = self._data_grads(x, y)
        for n in self.names:
            w = getattr(self, n)
            pen = PENALTY if n.startswith("k") else BIAS_PENALTY
            rate = lr * RATE * (BIAS_RATE if n.startswith("c") else 1.0)
            if SHRINK_FORM:
                setattr(self, n, w * (1.0 - 2.0 * pen * rate) - rate * g[n])
            else:
                setattr(self, n, w - rate * (g[n] + 2.0 * pen * w))


class NetWithGrads(Net):
    def grads(self, x, y):
        g = self._data_grads(x, y)
        return {{n: g[n] + 2.0 * (PENALTY if n.startswith("k") else BIAS_PENALTY) * getattr(self, n)
                for n in self.names}}


def build():
    return {cls}()
'''

CAFFE_NET = '''# Generated Caffe side: InnerProduct layers, {act}, SoftmaxWithLoss.
name: "generated"
layer {{ name: "data"  type: "Input"  top: "data"  input_param {{ shape {{ dim: 64 dim: 1 dim: 28 dim: 28 }} }} }}
layer {{ name: "label"  type: "Input"  top: "label"  input_param {{ shape {{ dim: 64 }} }} }}
{layers}
layer {{ name: "loss"  type: "SoftmaxWithLoss"  bottom: "{last}"  bottom: "label"  top: "loss" }}
'''

CAFFE_IP = '''layer {{
  name: "{name}"  type: "InnerProduct"  bottom: "{bottom}"  top: "{name}"
  {params}inner_product_param {{ num_output: {units}  weight_filler {{ type: "xavier" }} }}
}}'''

CAFFE_SOLVER = '''net: "{net}"
type: "SGD"
base_lr: {lr!r}
lr_policy: "fixed"
momentum: {momentum!r}
weight_decay: {decay!r}
max_iter: 1000
'''

MATCONVNET = '''function net = {name}(varargin)
% Generated MatConvNet side: convolutions covering the whole input (fully connected), {act}, softmaxloss.
net.layers = {{}} ;
{layers}
net.layers{{end+1}} = struct('name', 'loss', 'type', 'softmaxloss') ;
net.meta.inputSize = [28 28 1] ;
net.meta.trainOpts.learningRate = {lr!r} ;
net.meta.trainOpts.momentum = {momentum!r} ;
net.meta.trainOpts.weightDecay = {decay!r} ;
net.meta.trainOpts.batchSize = 64 ;
'''

MATCONVNET_CONV = ("net.layers{{end+1}} = struct('name', '{name}', 'type', 'conv', "
                   "'weights', {{{{0.01*randn({h},{w},{c},{k}, 'single'), zeros(1, {k}, 'single')}}}}, "
                   "'stride', 1, 'pad', 0, 'learningRate', [1 {bias_rate}]) ;")
