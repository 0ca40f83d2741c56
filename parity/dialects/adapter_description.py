"""What can be known of a Python adapter without running its training: its tensors and layouts."""

from ..description import Description, Layer, Param


def describe_adapter(path, tensors, input_shape):
    layers = []
    for t in tensors:
        if not layers or layers[-1].name != t.layer:
            layers.append(Layer(t.layer, "adapter-layer", {}, []))
        layers[-1].params.append(Param(t.role, tuple(t.shape), t.layout))
        layers[-1].attrs[f"{t.role}"] = f"{t.key} {tuple(t.shape)} as {t.layout or 'vector'}"
    return Description(dialect="python-adapter", source=str(path), input_shape=input_shape, layers=layers,
                       notes=["an adapter's loss, optimizer and penalties are code: parity sees them only "
                              "through loss(), grads() and step()"])
