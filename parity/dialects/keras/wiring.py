"""Blob names for a Keras model's leaf layers, so the description is a runnable DAG.

A Sequential is a chain; a Functional model is walked node by node as Keras's own
Function._run_through_graph walks it (keras/src/ops/function.py:188-214), nested models expanded in
place. A blob is named after the layer that writes it (every layer the translator accepts has one
output); the data blob after the model's InputLayer.
"""


class Unwired(Exception):
    """The model's graph cannot be written as blobs (shared layers, several inputs, subclassed models)."""


def wire(model):
    """(data blob, {layer name: (inputs, outputs)}, final blob)."""
    inputs = _model_inputs(model)
    if len(inputs) != 1:
        raise Unwired(f"the model has {len(inputs)} inputs; parity feeds one")
    data = _tensor_layer(inputs[0]) or "input"
    wiring = {}
    if _input_layer_listed(model):
        wiring[data] = ([], [data])
    final = _walk(model, [data], wiring)
    if len(final) != 1:
        raise Unwired(f"the model has {len(final)} outputs; parity trains one")
    return data, wiring, final[0]


def _is_model(layer):
    return hasattr(layer, "layers") and layer.__class__.__name__ in ("Sequential", "Functional", "Model")


def _walk(model, in_blobs, wiring):
    """Wire `model` fed by `in_blobs`; returns its output blobs."""
    if model.__class__.__name__ == "Sequential":
        blobs = list(in_blobs)
        for layer in model.layers:
            blobs = _wire_layer(layer, blobs, wiring)
        return blobs
    if not hasattr(model, "_nodes_by_depth"):
        raise Unwired(f"{model.name} is a subclassed model: its graph is Python code, not a description")
    names = {id(t): b for t, b in zip(_model_inputs(model), in_blobs)}
    for depth in sorted(model._nodes_by_depth, reverse=True):
        for node in model._nodes_by_depth[depth]:
            if not node.operation or node.is_input:
                continue
            if any(id(t) not in names for t in node.input_tensors):
                continue  # as Function._run_through_graph: not computable from these inputs
            outs = _wire_layer(node.operation, [names[id(t)] for t in node.input_tensors], wiring)
            if len(outs) != len(node.outputs):
                raise Unwired(f"{node.operation.name} returns {len(node.outputs)} tensors here")
            names.update({id(t): b for t, b in zip(node.outputs, outs)})
    missing = [t for t in model.outputs if id(t) not in names]
    if missing:
        raise Unwired(f"the outputs of {model.name} are not reachable from its inputs")
    return [names[id(t)] for t in model.outputs]


def _wire_layer(layer, in_blobs, wiring):
    if _is_model(layer):
        return _walk(layer, in_blobs, wiring)
    if layer.name in wiring:
        raise Unwired(f"layer {layer.name} is called more than once (shared weights)")
    outs = [layer.name]  # every layer the translator accepts has one output
    wiring[layer.name] = (list(in_blobs), outs)
    return outs


def _model_inputs(model):
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if not inputs:
        raise Unwired(f"{model.name} has no symbolic inputs (build it on a keras.Input)")
    return list(inputs)


def _tensor_layer(tensor):
    history = getattr(tensor, "_keras_history", None)
    return history[0].name if history else None


def _input_layer_listed(model):
    """Functional models list their InputLayer among `layers` (Sequential ones do not)."""
    return any(layer.__class__.__name__ == "InputLayer" for layer in model.layers)
