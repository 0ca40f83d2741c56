"""The dialect families whose neutral descriptions parity executes, and the engine that runs each.

Read by the .toml dialect (which descriptions it can run), the description engine (which families
register ops and a solver) and the ablation (which sides it can rerun from a changed description).
A new family whose descriptions run adds one entry here.
"""

DESCRIPTION_ENGINES = {
    "caffe": "graph",  # engines/graph_engine.py with engines/caffe_graph.py's ops and solver
    "matconvnet": "graph",  # ... with engines/matconvnet_graph.py's
    "keras": "keras-description",  # engines/keras_desc_engine.py: Keras's penalties and initializers besides
}
