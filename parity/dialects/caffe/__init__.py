"""Caffe dialect: prototxt nets and solvers."""
