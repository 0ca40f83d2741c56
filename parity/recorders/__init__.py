"""Recorders that write parity traces from real frameworks (see README, "Traces and recorders").

tracefile.py      the HDF5 trace writer (numpy + h5py only; copy it next to a recorder if parity
                  is not installed where the framework runs)
keras_callback.py a keras.callbacks.Callback for a plain `model.fit` run
torch_hooks.py    PyTorch: forward hooks and an optimizer step pre-hook around the user's own loop
pycaffe_record.py pycaffe: Net/Solver step by step (script and function)
matconvnet/       MATLAB/Octave: parity_record_simplenn.m writes raw float32 files + a manifest;
                  `parity import-matlab FOLDER --out T.h5` turns them into a trace
"""
