"""caffe.proto's net, solver and layer-frame messages, as data (see schema.py for the format).

Transcribed from BVLC/caffe master 9b89154, src/caffe/proto/caffe.proto. Each field is
name: (label, type[, proto default]); a type is a scalar name, a key of ENUMS, or a message
name. Every default cites the proto line it comes from, so it can be checked by eye.
V0LayerParameter is here only because V1 `layers { layer { ... } }` files nest it.
"""

ENUMS = {
    "Phase": {"TRAIN": 0, "TEST": 1},  # caffe.proto:268, the one top-level enum
    "FillerParameter.VarianceNorm": {"FAN_IN": 0, "FAN_OUT": 1, "AVERAGE": 2},
    "SolverParameter.SnapshotFormat": {"HDF5": 0, "BINARYPROTO": 1},
    "SolverParameter.SolverMode": {"CPU": 0, "GPU": 1},
    "SolverParameter.SolverType": {"SGD": 0, "NESTEROV": 1, "ADAGRAD": 2, "RMSPROP": 3, "ADADELTA": 4, "ADAM": 5},
    "ParamSpec.DimCheckMode": {"STRICT": 0, "PERMISSIVE": 1},
    "LossParameter.NormalizationMode": {"FULL": 0, "VALID": 1, "BATCH_SIZE": 2, "NONE": 3},
    "V1LayerParameter.LayerType": {
        "NONE": 0, "ABSVAL": 35, "ACCURACY": 1, "ARGMAX": 30, "BNLL": 2, "CONCAT": 3,
        "CONTRASTIVE_LOSS": 37, "CONVOLUTION": 4, "DATA": 5, "DECONVOLUTION": 39, "DROPOUT": 6,
        "DUMMY_DATA": 32, "EUCLIDEAN_LOSS": 7, "ELTWISE": 25, "EXP": 38, "FLATTEN": 8,
        "HDF5_DATA": 9, "HDF5_OUTPUT": 10, "HINGE_LOSS": 28, "IM2COL": 11, "IMAGE_DATA": 12,
        "INFOGAIN_LOSS": 13, "INNER_PRODUCT": 14, "LRN": 15, "MEMORY_DATA": 29,
        "MULTINOMIAL_LOGISTIC_LOSS": 16, "MVN": 34, "POOLING": 17, "POWER": 26, "RELU": 18,
        "SIGMOID": 19, "SIGMOID_CROSS_ENTROPY_LOSS": 27, "SILENCE": 36, "SOFTMAX": 20,
        "SOFTMAX_LOSS": 21, "SPLIT": 22, "SLICE": 33, "TANH": 23, "WINDOW_DATA": 24,
        "THRESHOLD": 31,
    },
    "V1LayerParameter.DimCheckMode": {"STRICT": 0, "PERMISSIVE": 1},
    "V0LayerParameter.PoolMethod": {"MAX": 0, "AVE": 1, "STOCHASTIC": 2},
}

MESSAGES = {
    "NetParameter": {
        "name": ("optional", "string"),
        "input": ("repeated", "string"),
        "input_shape": ("repeated", "BlobShape"),
        "input_dim": ("repeated", "int32"),
        "force_backward": ("optional", "bool", False),  # caffe.proto:80 — "optional bool force_backward = 5 [default = false];"
        "state": ("optional", "NetState"),
        "debug_info": ("optional", "bool", False),  # caffe.proto:88 — "optional bool debug_info = 7 [default = false];"
        "layer": ("repeated", "LayerParameter"),
        "layers": ("repeated", "V1LayerParameter"),
    },
    "SolverParameter": {
        "net": ("optional", "string"),
        "net_param": ("optional", "NetParameter"),
        "train_net": ("optional", "string"),
        "test_net": ("repeated", "string"),
        "train_net_param": ("optional", "NetParameter"),
        "test_net_param": ("repeated", "NetParameter"),
        "train_state": ("optional", "NetState"),
        "test_state": ("repeated", "NetState"),
        "test_iter": ("repeated", "int32"),
        "test_interval": ("optional", "int32", 0),  # caffe.proto:141 — "optional int32 test_interval = 4 [default = 0];"
        "test_compute_loss": ("optional", "bool", False),  # caffe.proto:142 — "optional bool test_compute_loss = 19 [default = false];"
        "test_initialization": ("optional", "bool", True),  # caffe.proto:145 — "optional bool test_initialization = 32 [default = true];"
        "base_lr": ("optional", "float"),
        "display": ("optional", "int32"),
        "average_loss": ("optional", "int32", 1),  # caffe.proto:151 — "optional int32 average_loss = 33 [default = 1];"
        "max_iter": ("optional", "int32"),
        "iter_size": ("optional", "int32", 1),  # caffe.proto:154 — "optional int32 iter_size = 36 [default = 1];"
        "lr_policy": ("optional", "string"),
        "gamma": ("optional", "float"),
        "power": ("optional", "float"),
        "momentum": ("optional", "float"),
        "weight_decay": ("optional", "float"),
        "regularization_type": ("optional", "string", "L2"),  # caffe.proto:178 — "optional string regularization_type = 29 [default = "L2"];"
        "stepsize": ("optional", "int32"),
        "stepvalue": ("repeated", "int32"),
        "clip_gradients": ("optional", "float", -1.0),  # caffe.proto:186 — "optional float clip_gradients = 35 [default = -1];"
        "snapshot": ("optional", "int32", 0),  # caffe.proto:188 — "optional int32 snapshot = 14 [default = 0]; // The snapshot interval"
        "snapshot_prefix": ("optional", "string"),
        "snapshot_diff": ("optional", "bool", False),  # caffe.proto:196 — "optional bool snapshot_diff = 16 [default = false];"
        "snapshot_format": ("optional", "SolverParameter.SnapshotFormat", "BINARYPROTO"),  # caffe.proto:201 — "optional SnapshotFormat snapshot_format = 37 [default = BINARYPROTO];"
        "solver_mode": ("optional", "SolverParameter.SolverMode", "GPU"),  # caffe.proto:207 — "optional SolverMode solver_mode = 17 [default = GPU];"
        "device_id": ("optional", "int32", 0),  # caffe.proto:209 — "optional int32 device_id = 18 [default = 0];"
        "random_seed": ("optional", "int64", -1),  # caffe.proto:213 — "optional int64 random_seed = 20 [default = -1];"
        "type": ("optional", "string", "SGD"),  # caffe.proto:216 — "optional string type = 40 [default = "SGD"];"
        "delta": ("optional", "float", 1e-08),  # caffe.proto:219 — "optional float delta = 31 [default = 1e-8];"
        "momentum2": ("optional", "float", 0.999),  # caffe.proto:221 — "optional float momentum2 = 39 [default = 0.999];"
        "rms_decay": ("optional", "float", 0.99),  # caffe.proto:225 — "optional float rms_decay = 38 [default = 0.99];"
        "debug_info": ("optional", "bool", False),  # caffe.proto:229 — "optional bool debug_info = 23 [default = false];"
        "snapshot_after_train": ("optional", "bool", True),  # caffe.proto:232 — "optional bool snapshot_after_train = 28 [default = true];"
        "solver_type": ("optional", "SolverParameter.SolverType", "SGD"),  # caffe.proto:244 — "optional SolverType solver_type = 30 [default = SGD];"
        "layer_wise_reduce": ("optional", "bool", True),  # caffe.proto:247 — "optional bool layer_wise_reduce = 41 [default = true];"
        "weights": ("repeated", "string"),
    },
    "NetState": {
        "phase": ("optional", "Phase", "TEST"),  # caffe.proto:274 — "optional Phase phase = 1 [default = TEST];"
        "level": ("optional", "int32", 0),  # caffe.proto:275 — "optional int32 level = 2 [default = 0];"
        "stage": ("repeated", "string"),
    },
    "NetStateRule": {
        "phase": ("optional", "Phase"),
        "min_level": ("optional", "int32"),
        "max_level": ("optional", "int32"),
        "stage": ("repeated", "string"),
        "not_stage": ("repeated", "string"),
    },
    "ParamSpec": {
        "name": ("optional", "string"),
        "share_mode": ("optional", "ParamSpec.DimCheckMode"),
        "lr_mult": ("optional", "float", 1.0),  # caffe.proto:316 — "optional float lr_mult = 3 [default = 1.0];"
        "decay_mult": ("optional", "float", 1.0),  # caffe.proto:319 — "optional float decay_mult = 4 [default = 1.0];"
    },
    "LayerParameter": {
        "name": ("optional", "string"),
        "type": ("optional", "string"),
        "bottom": ("repeated", "string"),
        "top": ("repeated", "string"),
        "phase": ("optional", "Phase"),
        "loss_weight": ("repeated", "float"),
        "param": ("repeated", "ParamSpec"),
        "blobs": ("repeated", "BlobProto"),
        "propagate_down": ("repeated", "bool"),
        "include": ("repeated", "NetStateRule"),
        "exclude": ("repeated", "NetStateRule"),
        "transform_param": ("optional", "TransformationParameter"),
        "loss_param": ("optional", "LossParameter"),
        "accuracy_param": ("optional", "AccuracyParameter"),
        "argmax_param": ("optional", "ArgMaxParameter"),
        "batch_norm_param": ("optional", "BatchNormParameter"),
        "bias_param": ("optional", "BiasParameter"),
        "clip_param": ("optional", "ClipParameter"),
        "concat_param": ("optional", "ConcatParameter"),
        "contrastive_loss_param": ("optional", "ContrastiveLossParameter"),
        "convolution_param": ("optional", "ConvolutionParameter"),
        "crop_param": ("optional", "CropParameter"),
        "data_param": ("optional", "DataParameter"),
        "dropout_param": ("optional", "DropoutParameter"),
        "dummy_data_param": ("optional", "DummyDataParameter"),
        "eltwise_param": ("optional", "EltwiseParameter"),
        "elu_param": ("optional", "ELUParameter"),
        "embed_param": ("optional", "EmbedParameter"),
        "exp_param": ("optional", "ExpParameter"),
        "flatten_param": ("optional", "FlattenParameter"),
        "hdf5_data_param": ("optional", "HDF5DataParameter"),
        "hdf5_output_param": ("optional", "HDF5OutputParameter"),
        "hinge_loss_param": ("optional", "HingeLossParameter"),
        "image_data_param": ("optional", "ImageDataParameter"),
        "infogain_loss_param": ("optional", "InfogainLossParameter"),
        "inner_product_param": ("optional", "InnerProductParameter"),
        "input_param": ("optional", "InputParameter"),
        "log_param": ("optional", "LogParameter"),
        "lrn_param": ("optional", "LRNParameter"),
        "memory_data_param": ("optional", "MemoryDataParameter"),
        "mvn_param": ("optional", "MVNParameter"),
        "parameter_param": ("optional", "ParameterParameter"),
        "pooling_param": ("optional", "PoolingParameter"),
        "power_param": ("optional", "PowerParameter"),
        "prelu_param": ("optional", "PReLUParameter"),
        "python_param": ("optional", "PythonParameter"),
        "recurrent_param": ("optional", "RecurrentParameter"),
        "reduction_param": ("optional", "ReductionParameter"),
        "relu_param": ("optional", "ReLUParameter"),
        "reshape_param": ("optional", "ReshapeParameter"),
        "scale_param": ("optional", "ScaleParameter"),
        "sigmoid_param": ("optional", "SigmoidParameter"),
        "softmax_param": ("optional", "SoftmaxParameter"),
        "spp_param": ("optional", "SPPParameter"),
        "slice_param": ("optional", "SliceParameter"),
        "swish_param": ("optional", "SwishParameter"),
        "tanh_param": ("optional", "TanHParameter"),
        "threshold_param": ("optional", "ThresholdParameter"),
        "tile_param": ("optional", "TileParameter"),
        "window_data_param": ("optional", "WindowDataParameter"),
    },
    "BlobShape": {
        "dim": ("repeated", "int64"),
    },
    "BlobProto": {
        "shape": ("optional", "BlobShape"),
        "data": ("repeated", "float"),
        "diff": ("repeated", "float"),
        "double_data": ("repeated", "double"),
        "double_diff": ("repeated", "double"),
        "num": ("optional", "int32", 0),  # caffe.proto:18 — "optional int32 num = 1 [default = 0];"
        "channels": ("optional", "int32", 0),  # caffe.proto:19 — "optional int32 channels = 2 [default = 0];"
        "height": ("optional", "int32", 0),  # caffe.proto:20 — "optional int32 height = 3 [default = 0];"
        "width": ("optional", "int32", 0),  # caffe.proto:21 — "optional int32 width = 4 [default = 0];"
    },
    "FillerParameter": {
        "type": ("optional", "string", "constant"),  # caffe.proto:45 — "optional string type = 1 [default = 'constant'];"
        "value": ("optional", "float", 0.0),  # caffe.proto:46 — "optional float value = 2 [default = 0]; // the value in constant filler"
        "min": ("optional", "float", 0.0),  # caffe.proto:47 — "optional float min = 3 [default = 0]; // the min value in uniform filler"
        "max": ("optional", "float", 1.0),  # caffe.proto:48 — "optional float max = 4 [default = 1]; // the max value in uniform filler"
        "mean": ("optional", "float", 0.0),  # caffe.proto:49 — "optional float mean = 5 [default = 0]; // the mean value in Gaussian filler"
        "std": ("optional", "float", 1.0),  # caffe.proto:50 — "optional float std = 6 [default = 1]; // the std value in Gaussian filler"
        "sparse": ("optional", "int32", -1),  # caffe.proto:53 — "optional int32 sparse = 7 [default = -1];"
        "variance_norm": ("optional", "FillerParameter.VarianceNorm", "FAN_IN"),  # caffe.proto:61 — "optional VarianceNorm variance_norm = 8 [default = FAN_IN];"
    },
    "TransformationParameter": {
        "scale": ("optional", "float", 1.0),  # caffe.proto:432 — "optional float scale = 1 [default = 1];"
        "mirror": ("optional", "bool", False),  # caffe.proto:434 — "optional bool mirror = 2 [default = false];"
        "crop_size": ("optional", "uint32", 0),  # caffe.proto:436 — "optional uint32 crop_size = 3 [default = 0];"
        "mean_file": ("optional", "string"),
        "mean_value": ("repeated", "float"),
        "force_color": ("optional", "bool", False),  # caffe.proto:444 — "optional bool force_color = 6 [default = false];"
        "force_gray": ("optional", "bool", False),  # caffe.proto:446 — "optional bool force_gray = 7 [default = false];"
    },
    "LossParameter": {
        "ignore_label": ("optional", "int32"),
        "normalization": ("optional", "LossParameter.NormalizationMode", "VALID"),  # caffe.proto:471 — "optional NormalizationMode normalization = 3 [default = VALID];"
        "normalize": ("optional", "bool"),
    },
    "V1LayerParameter": {
        "bottom": ("repeated", "string"),
        "top": ("repeated", "string"),
        "name": ("optional", "string"),
        "include": ("repeated", "NetStateRule"),
        "exclude": ("repeated", "NetStateRule"),
        "type": ("optional", "V1LayerParameter.LayerType"),
        "blobs": ("repeated", "BlobProto"),
        "param": ("repeated", "string"),
        "blob_share_mode": ("repeated", "V1LayerParameter.DimCheckMode"),
        "blobs_lr": ("repeated", "float"),
        "weight_decay": ("repeated", "float"),
        "loss_weight": ("repeated", "float"),
        "accuracy_param": ("optional", "AccuracyParameter"),
        "argmax_param": ("optional", "ArgMaxParameter"),
        "concat_param": ("optional", "ConcatParameter"),
        "contrastive_loss_param": ("optional", "ContrastiveLossParameter"),
        "convolution_param": ("optional", "ConvolutionParameter"),
        "data_param": ("optional", "DataParameter"),
        "dropout_param": ("optional", "DropoutParameter"),
        "dummy_data_param": ("optional", "DummyDataParameter"),
        "eltwise_param": ("optional", "EltwiseParameter"),
        "exp_param": ("optional", "ExpParameter"),
        "hdf5_data_param": ("optional", "HDF5DataParameter"),
        "hdf5_output_param": ("optional", "HDF5OutputParameter"),
        "hinge_loss_param": ("optional", "HingeLossParameter"),
        "image_data_param": ("optional", "ImageDataParameter"),
        "infogain_loss_param": ("optional", "InfogainLossParameter"),
        "inner_product_param": ("optional", "InnerProductParameter"),
        "lrn_param": ("optional", "LRNParameter"),
        "memory_data_param": ("optional", "MemoryDataParameter"),
        "mvn_param": ("optional", "MVNParameter"),
        "pooling_param": ("optional", "PoolingParameter"),
        "power_param": ("optional", "PowerParameter"),
        "relu_param": ("optional", "ReLUParameter"),
        "sigmoid_param": ("optional", "SigmoidParameter"),
        "softmax_param": ("optional", "SoftmaxParameter"),
        "slice_param": ("optional", "SliceParameter"),
        "tanh_param": ("optional", "TanHParameter"),
        "threshold_param": ("optional", "ThresholdParameter"),
        "window_data_param": ("optional", "WindowDataParameter"),
        "transform_param": ("optional", "TransformationParameter"),
        "loss_param": ("optional", "LossParameter"),
        "layer": ("optional", "V0LayerParameter"),
    },
    "V0LayerParameter": {
        "name": ("optional", "string"),
        "type": ("optional", "string"),
        "num_output": ("optional", "uint32"),
        "biasterm": ("optional", "bool", True),  # caffe.proto:1355 — "optional bool biasterm = 4 [default = true]; // whether to have bias terms"
        "weight_filler": ("optional", "FillerParameter"),
        "bias_filler": ("optional", "FillerParameter"),
        "pad": ("optional", "uint32", 0),  # caffe.proto:1359 — "optional uint32 pad = 7 [default = 0]; // The padding size"
        "kernelsize": ("optional", "uint32"),
        "group": ("optional", "uint32", 1),  # caffe.proto:1361 — "optional uint32 group = 9 [default = 1]; // The group size for group conv"
        "stride": ("optional", "uint32", 1),  # caffe.proto:1362 — "optional uint32 stride = 10 [default = 1]; // The stride"
        "pool": ("optional", "V0LayerParameter.PoolMethod", "MAX"),  # caffe.proto:1368 — "optional PoolMethod pool = 11 [default = MAX]; // The pooling method"
        "dropout_ratio": ("optional", "float", 0.5),  # caffe.proto:1369 — "optional float dropout_ratio = 12 [default = 0.5]; // dropout ratio"
        "local_size": ("optional", "uint32", 5),  # caffe.proto:1371 — "optional uint32 local_size = 13 [default = 5]; // for local response norm"
        "alpha": ("optional", "float", 1.0),  # caffe.proto:1372 — "optional float alpha = 14 [default = 1.]; // for local response norm"
        "beta": ("optional", "float", 0.75),  # caffe.proto:1373 — "optional float beta = 15 [default = 0.75]; // for local response norm"
        "k": ("optional", "float", 1.0),  # caffe.proto:1374 — "optional float k = 22 [default = 1.];"
        "source": ("optional", "string"),
        "scale": ("optional", "float", 1.0),  # caffe.proto:1381 — "optional float scale = 17 [default = 1];"
        "meanfile": ("optional", "string"),
        "batchsize": ("optional", "uint32"),
        "cropsize": ("optional", "uint32", 0),  # caffe.proto:1386 — "optional uint32 cropsize = 20 [default = 0];"
        "mirror": ("optional", "bool", False),  # caffe.proto:1388 — "optional bool mirror = 21 [default = false];"
        "blobs": ("repeated", "BlobProto"),
        "blobs_lr": ("repeated", "float"),
        "weight_decay": ("repeated", "float"),
        "rand_skip": ("optional", "uint32", 0),  # caffe.proto:1402 — "optional uint32 rand_skip = 53 [default = 0];"
        "det_fg_threshold": ("optional", "float", 0.5),  # caffe.proto:1406 — "optional float det_fg_threshold = 54 [default = 0.5];"
        "det_bg_threshold": ("optional", "float", 0.5),  # caffe.proto:1408 — "optional float det_bg_threshold = 55 [default = 0.5];"
        "det_fg_fraction": ("optional", "float", 0.25),  # caffe.proto:1410 — "optional float det_fg_fraction = 56 [default = 0.25];"
        "det_context_pad": ("optional", "uint32", 0),  # caffe.proto:1416 — "optional uint32 det_context_pad = 58 [default = 0];"
        "det_crop_mode": ("optional", "string", "warp"),  # caffe.proto:1421 — "optional string det_crop_mode = 59 [default = "warp"];"
        "new_num": ("optional", "int32", 0),  # caffe.proto:1424 — "optional int32 new_num = 60 [default = 0];"
        "new_channels": ("optional", "int32", 0),  # caffe.proto:1425 — "optional int32 new_channels = 61 [default = 0];"
        "new_height": ("optional", "int32", 0),  # caffe.proto:1426 — "optional int32 new_height = 62 [default = 0];"
        "new_width": ("optional", "int32", 0),  # caffe.proto:1427 — "optional int32 new_width = 63 [default = 0];"
        "shuffle_images": ("optional", "bool", False),  # caffe.proto:1431 — "optional bool shuffle_images = 64 [default = false];"
        "concat_dim": ("optional", "uint32", 1),  # caffe.proto:1436 — "optional uint32 concat_dim = 65 [default = 1];"
        "hdf5_output_param": ("optional", "HDF5OutputParameter"),
    },
}

# Fields caffe.proto marks deprecated: accepted, but `schema.legacy_uses` reports them.
LEGACY = {
    ("NetParameter", "input"): 'caffe.proto:66 — "DEPRECATED. See InputParameter."',
    ("NetParameter", "input_shape"): 'caffe.proto:68 — "DEPRECATED. See InputParameter."',
    ("NetParameter", "input_dim"): 'caffe.proto:71 — "4D input dimensions -- deprecated."',
    ("NetParameter", "layers"): 'caffe.proto:94 — "DEPRECATED: use \'layer\' instead." (V1 layers)',
    ("SolverParameter", "solver_type"): 'caffe.proto:243 — "DEPRECATED: use type instead of solver_type"',
    ("LossParameter", "normalize"): 'caffe.proto:472 — "Deprecated.  Ignored if normalization is specified."',
    ("BlobProto", "num"): 'caffe.proto:17 — "4D dimensions -- deprecated.  Use \"shape\" instead."',
    ("BlobProto", "channels"): 'caffe.proto:17 — "4D dimensions -- deprecated."',
    ("BlobProto", "height"): 'caffe.proto:17 — "4D dimensions -- deprecated."',
    ("BlobProto", "width"): 'caffe.proto:17 — "4D dimensions -- deprecated."',
}
