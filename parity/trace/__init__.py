"""Traces: every step of a training run on HDF5 (docs/trace-format.md).

`record` writes parity's own runs (`check --trace`, `parity record`), `reader` validates and reads
any trace, `diff` compares two, `matlab` turns the MATLAB/Octave recorder's folder into a trace.
The writer itself is parity/recorders/tracefile.py, which needs only numpy and h5py.
"""

from ..recorders.tracefile import FORMAT, FORMAT_VERSION, TraceWriter  # noqa: F401
from .reader import Trace, TraceError, TraceSide, open_trace  # noqa: F401
