"""caffe.proto's per-layer parameter messages (the `*_param` blocks), as data.

Same source and format as proto_net.py: BVLC/caffe master 9b89154,
src/caffe/proto/caffe.proto; name: (label, type[, proto default]), each default citing its line.
All of them are listed, not only the layers parity emulates, so a file for any Caffe layer
still validates and a typo inside an unsupported layer's block is still caught.
"""

ENUMS = {
    "ConvolutionParameter.Engine": {"DEFAULT": 0, "CAFFE": 1, "CUDNN": 2},
    "DataParameter.DB": {"LEVELDB": 0, "LMDB": 1},
    "EltwiseParameter.EltwiseOp": {"PROD": 0, "SUM": 1, "MAX": 2},
    "HingeLossParameter.Norm": {"L1": 1, "L2": 2},
    "LRNParameter.NormRegion": {"ACROSS_CHANNELS": 0, "WITHIN_CHANNEL": 1},
    "LRNParameter.Engine": {"DEFAULT": 0, "CAFFE": 1, "CUDNN": 2},
    "PoolingParameter.PoolMethod": {"MAX": 0, "AVE": 1, "STOCHASTIC": 2},
    "PoolingParameter.Engine": {"DEFAULT": 0, "CAFFE": 1, "CUDNN": 2},
    "PoolingParameter.RoundMode": {"CEIL": 0, "FLOOR": 1},
    "ReductionParameter.ReductionOp": {"SUM": 1, "ASUM": 2, "SUMSQ": 3, "MEAN": 4},
    "ReLUParameter.Engine": {"DEFAULT": 0, "CAFFE": 1, "CUDNN": 2},
    "SigmoidParameter.Engine": {"DEFAULT": 0, "CAFFE": 1, "CUDNN": 2},
    "SoftmaxParameter.Engine": {"DEFAULT": 0, "CAFFE": 1, "CUDNN": 2},
    "TanHParameter.Engine": {"DEFAULT": 0, "CAFFE": 1, "CUDNN": 2},
    "SPPParameter.PoolMethod": {"MAX": 0, "AVE": 1, "STOCHASTIC": 2},
    "SPPParameter.Engine": {"DEFAULT": 0, "CAFFE": 1, "CUDNN": 2},
}

MESSAGES = {
    "AccuracyParameter": {
        "top_k": ("optional", "uint32", 1),  # caffe.proto:485 — "optional uint32 top_k = 1 [default = 1];"
        "axis": ("optional", "int32", 1),  # caffe.proto:492 — "optional int32 axis = 2 [default = 1];"
        "ignore_label": ("optional", "int32"),
    },
    "ArgMaxParameter": {
        "out_max_val": ("optional", "bool", False),  # caffe.proto:500 — "optional bool out_max_val = 1 [default = false];"
        "top_k": ("optional", "uint32", 1),  # caffe.proto:501 — "optional uint32 top_k = 2 [default = 1];"
        "axis": ("optional", "int32"),
    },
    "ClipParameter": {
        "min": ("required", "float"),
        "max": ("required", "float"),
    },
    "ConcatParameter": {
        "axis": ("optional", "int32", 1),  # caffe.proto:520 — "optional int32 axis = 2 [default = 1];"
        "concat_dim": ("optional", "uint32", 1),  # caffe.proto:523 — "optional uint32 concat_dim = 1 [default = 1];"
    },
    "BatchNormParameter": {
        "use_global_stats": ("optional", "bool"),
        "moving_average_fraction": ("optional", "float", 0.999),  # caffe.proto:542 — "optional float moving_average_fraction = 2 [default = .999];"
        "eps": ("optional", "float", 1e-05),  # caffe.proto:545 — "optional float eps = 3 [default = 1e-5];"
    },
    "BiasParameter": {
        "axis": ("optional", "int32", 1),  # caffe.proto:562 — "optional int32 axis = 1 [default = 1];"
        "num_axes": ("optional", "int32", 1),  # caffe.proto:570 — "optional int32 num_axes = 2 [default = 1];"
        "filler": ("optional", "FillerParameter"),
    },
    "ContrastiveLossParameter": {
        "margin": ("optional", "float", 1.0),  # caffe.proto:582 — "optional float margin = 1 [default = 1.0];"
        "legacy_version": ("optional", "bool", False),  # caffe.proto:589 — "optional bool legacy_version = 2 [default = false];"
    },
    "ConvolutionParameter": {
        "num_output": ("optional", "uint32"),
        "bias_term": ("optional", "bool", True),  # caffe.proto:594 — "optional bool bias_term = 2 [default = true]; // whether to have bias terms"
        "pad": ("repeated", "uint32"),
        "kernel_size": ("repeated", "uint32"),
        "stride": ("repeated", "uint32"),
        "dilation": ("repeated", "uint32"),
        "pad_h": ("optional", "uint32", 0),  # caffe.proto:608 — "optional uint32 pad_h = 9 [default = 0]; // The padding height (2D only)"
        "pad_w": ("optional", "uint32", 0),  # caffe.proto:609 — "optional uint32 pad_w = 10 [default = 0]; // The padding width (2D only)"
        "kernel_h": ("optional", "uint32"),
        "kernel_w": ("optional", "uint32"),
        "stride_h": ("optional", "uint32"),
        "stride_w": ("optional", "uint32"),
        "group": ("optional", "uint32", 1),  # caffe.proto:615 — "optional uint32 group = 5 [default = 1]; // The group size for group conv"
        "weight_filler": ("optional", "FillerParameter"),
        "bias_filler": ("optional", "FillerParameter"),
        "engine": ("optional", "ConvolutionParameter.Engine", "DEFAULT"),  # caffe.proto:624 — "optional Engine engine = 15 [default = DEFAULT];"
        "axis": ("optional", "int32", 1),  # caffe.proto:635 — "optional int32 axis = 16 [default = 1];"
        "force_nd_im2col": ("optional", "bool", False),  # caffe.proto:642 — "optional bool force_nd_im2col = 17 [default = false];"
    },
    "CropParameter": {
        "axis": ("optional", "int32", 2),  # caffe.proto:659 — "optional int32 axis = 1 [default = 2];"
        "offset": ("repeated", "uint32"),
    },
    "DataParameter": {
        "source": ("optional", "string"),
        "batch_size": ("optional", "uint32"),
        "rand_skip": ("optional", "uint32", 0),  # caffe.proto:677 — "optional uint32 rand_skip = 7 [default = 0];"
        "backend": ("optional", "DataParameter.DB", "LEVELDB"),  # caffe.proto:678 — "optional DB backend = 8 [default = LEVELDB];"
        "scale": ("optional", "float", 1.0),  # caffe.proto:682 — "optional float scale = 2 [default = 1];"
        "mean_file": ("optional", "string"),
        "crop_size": ("optional", "uint32", 0),  # caffe.proto:686 — "optional uint32 crop_size = 5 [default = 0];"
        "mirror": ("optional", "bool", False),  # caffe.proto:689 — "optional bool mirror = 6 [default = false];"
        "force_encoded_color": ("optional", "bool", False),  # caffe.proto:691 — "optional bool force_encoded_color = 9 [default = false];"
        "prefetch": ("optional", "uint32", 4),  # caffe.proto:694 — "optional uint32 prefetch = 10 [default = 4];"
    },
    "DropoutParameter": {
        "dropout_ratio": ("optional", "float", 0.5),  # caffe.proto:698 — "optional float dropout_ratio = 1 [default = 0.5]; // dropout ratio"
    },
    "DummyDataParameter": {
        "data_filler": ("repeated", "FillerParameter"),
        "shape": ("repeated", "BlobShape"),
        "num": ("repeated", "uint32"),
        "channels": ("repeated", "uint32"),
        "height": ("repeated", "uint32"),
        "width": ("repeated", "uint32"),
    },
    "EltwiseParameter": {
        "operation": ("optional", "EltwiseParameter.EltwiseOp", "SUM"),  # caffe.proto:726 — "optional EltwiseOp operation = 1 [default = SUM]; // element-wise operation"
        "coeff": ("repeated", "float"),
        "stable_prod_grad": ("optional", "bool", True),  # caffe.proto:731 — "optional bool stable_prod_grad = 3 [default = true];"
    },
    "ELUParameter": {
        "alpha": ("optional", "float", 1.0),  # caffe.proto:739 — "optional float alpha = 1 [default = 1];"
    },
    "EmbedParameter": {
        "num_output": ("optional", "uint32"),
        "input_dim": ("optional", "uint32"),
        "bias_term": ("optional", "bool", True),  # caffe.proto:750 — "optional bool bias_term = 3 [default = true]; // Whether to use a bias term"
        "weight_filler": ("optional", "FillerParameter"),
        "bias_filler": ("optional", "FillerParameter"),
    },
    "ExpParameter": {
        "base": ("optional", "float", -1.0),  # caffe.proto:761 — "optional float base = 1 [default = -1.0];"
        "scale": ("optional", "float", 1.0),  # caffe.proto:762 — "optional float scale = 2 [default = 1.0];"
        "shift": ("optional", "float", 0.0),  # caffe.proto:763 — "optional float shift = 3 [default = 0.0];"
    },
    "FlattenParameter": {
        "axis": ("optional", "int32", 1),  # caffe.proto:770 — "optional int32 axis = 1 [default = 1];"
        "end_axis": ("optional", "int32", -1),  # caffe.proto:775 — "optional int32 end_axis = 2 [default = -1];"
    },
    "HDF5DataParameter": {
        "source": ("optional", "string"),
        "batch_size": ("optional", "uint32"),
        "shuffle": ("optional", "bool", False),  # caffe.proto:790 — "optional bool shuffle = 3 [default = false];"
    },
    "HDF5OutputParameter": {
        "file_name": ("optional", "string"),
    },
    "HingeLossParameter": {
        "norm": ("optional", "HingeLossParameter.Norm", "L1"),  # caffe.proto:803 — "optional Norm norm = 1 [default = L1];"
    },
    "ImageDataParameter": {
        "source": ("optional", "string"),
        "batch_size": ("optional", "uint32", 1),  # caffe.proto:810 — "optional uint32 batch_size = 4 [default = 1];"
        "rand_skip": ("optional", "uint32", 0),  # caffe.proto:815 — "optional uint32 rand_skip = 7 [default = 0];"
        "shuffle": ("optional", "bool", False),  # caffe.proto:817 — "optional bool shuffle = 8 [default = false];"
        "new_height": ("optional", "uint32", 0),  # caffe.proto:819 — "optional uint32 new_height = 9 [default = 0];"
        "new_width": ("optional", "uint32", 0),  # caffe.proto:820 — "optional uint32 new_width = 10 [default = 0];"
        "is_color": ("optional", "bool", True),  # caffe.proto:822 — "optional bool is_color = 11 [default = true];"
        "scale": ("optional", "float", 1.0),  # caffe.proto:826 — "optional float scale = 2 [default = 1];"
        "mean_file": ("optional", "string"),
        "crop_size": ("optional", "uint32", 0),  # caffe.proto:830 — "optional uint32 crop_size = 5 [default = 0];"
        "mirror": ("optional", "bool", False),  # caffe.proto:833 — "optional bool mirror = 6 [default = false];"
        "root_folder": ("optional", "string", ""),  # caffe.proto:834 — "optional string root_folder = 12 [default = ""];"
    },
    "InfogainLossParameter": {
        "source": ("optional", "string"),
        "axis": ("optional", "int32", 1),  # caffe.proto:840 — "optional int32 axis = 2 [default = 1]; // axis of prob"
    },
    "InnerProductParameter": {
        "num_output": ("optional", "uint32"),
        "bias_term": ("optional", "bool", True),  # caffe.proto:845 — "optional bool bias_term = 2 [default = true]; // whether to have bias terms"
        "weight_filler": ("optional", "FillerParameter"),
        "bias_filler": ("optional", "FillerParameter"),
        "axis": ("optional", "int32", 1),  # caffe.proto:852 — "optional int32 axis = 5 [default = 1];"
        "transpose": ("optional", "bool", False),  # caffe.proto:857 — "optional bool transpose = 6 [default = false];"
    },
    "InputParameter": {
        "shape": ("repeated", "BlobShape"),
    },
    "LogParameter": {
        "base": ("optional", "float", -1.0),  # caffe.proto:873 — "optional float base = 1 [default = -1.0];"
        "scale": ("optional", "float", 1.0),  # caffe.proto:874 — "optional float scale = 2 [default = 1.0];"
        "shift": ("optional", "float", 0.0),  # caffe.proto:875 — "optional float shift = 3 [default = 0.0];"
    },
    "LRNParameter": {
        "local_size": ("optional", "uint32", 5),  # caffe.proto:880 — "optional uint32 local_size = 1 [default = 5];"
        "alpha": ("optional", "float", 1.0),  # caffe.proto:881 — "optional float alpha = 2 [default = 1.];"
        "beta": ("optional", "float", 0.75),  # caffe.proto:882 — "optional float beta = 3 [default = 0.75];"
        "norm_region": ("optional", "LRNParameter.NormRegion", "ACROSS_CHANNELS"),  # caffe.proto:887 — "optional NormRegion norm_region = 4 [default = ACROSS_CHANNELS];"
        "k": ("optional", "float", 1.0),  # caffe.proto:888 — "optional float k = 5 [default = 1.];"
        "engine": ("optional", "LRNParameter.Engine", "DEFAULT"),  # caffe.proto:894 — "optional Engine engine = 6 [default = DEFAULT];"
    },
    "MemoryDataParameter": {
        "batch_size": ("optional", "uint32"),
        "channels": ("optional", "uint32"),
        "height": ("optional", "uint32"),
        "width": ("optional", "uint32"),
    },
    "MVNParameter": {
        "normalize_variance": ("optional", "bool", True),  # caffe.proto:906 — "optional bool normalize_variance = 1 [default = true];"
        "across_channels": ("optional", "bool", False),  # caffe.proto:909 — "optional bool across_channels = 2 [default = false];"
        "eps": ("optional", "float", 1e-09),  # caffe.proto:912 — "optional float eps = 3 [default = 1e-9];"
    },
    "ParameterParameter": {
        "shape": ("optional", "BlobShape"),
    },
    "PoolingParameter": {
        "pool": ("optional", "PoolingParameter.PoolMethod", "MAX"),  # caffe.proto:925 — "optional PoolMethod pool = 1 [default = MAX]; // The pooling method"
        "pad": ("optional", "uint32", 0),  # caffe.proto:928 — "optional uint32 pad = 4 [default = 0]; // The padding size (equal in Y, X)"
        "pad_h": ("optional", "uint32", 0),  # caffe.proto:929 — "optional uint32 pad_h = 9 [default = 0]; // The padding height"
        "pad_w": ("optional", "uint32", 0),  # caffe.proto:930 — "optional uint32 pad_w = 10 [default = 0]; // The padding width"
        "kernel_size": ("optional", "uint32"),
        "kernel_h": ("optional", "uint32"),
        "kernel_w": ("optional", "uint32"),
        "stride": ("optional", "uint32", 1),  # caffe.proto:934 — "optional uint32 stride = 3 [default = 1]; // The stride (equal in Y, X)"
        "stride_h": ("optional", "uint32"),
        "stride_w": ("optional", "uint32"),
        "engine": ("optional", "PoolingParameter.Engine", "DEFAULT"),  # caffe.proto:942 — "optional Engine engine = 11 [default = DEFAULT];"
        "global_pooling": ("optional", "bool", False),  # caffe.proto:945 — "optional bool global_pooling = 12 [default = false];"
        "round_mode": ("optional", "PoolingParameter.RoundMode", "CEIL"),  # caffe.proto:951 — "optional RoundMode round_mode = 13 [default = CEIL];"
    },
    "PowerParameter": {
        "power": ("optional", "float", 1.0),  # caffe.proto:956 — "optional float power = 1 [default = 1.0];"
        "scale": ("optional", "float", 1.0),  # caffe.proto:957 — "optional float scale = 2 [default = 1.0];"
        "shift": ("optional", "float", 0.0),  # caffe.proto:958 — "optional float shift = 3 [default = 0.0];"
    },
    "PythonParameter": {
        "module": ("optional", "string"),
        "layer": ("optional", "string"),
        "param_str": ("optional", "string", ""),  # caffe.proto:968 — "optional string param_str = 3 [default = ''];"
        "share_in_parallel": ("optional", "bool", False),  # caffe.proto:970 — "optional bool share_in_parallel = 4 [default = false];"
    },
    "RecurrentParameter": {
        "num_output": ("optional", "uint32", 0),  # caffe.proto:977 — "optional uint32 num_output = 1 [default = 0];"
        "weight_filler": ("optional", "FillerParameter"),
        "bias_filler": ("optional", "FillerParameter"),
        "debug_info": ("optional", "bool", False),  # caffe.proto:983 — "optional bool debug_info = 4 [default = false];"
        "expose_hidden": ("optional", "bool", False),  # caffe.proto:989 — "optional bool expose_hidden = 5 [default = false];"
    },
    "ReductionParameter": {
        "operation": ("optional", "ReductionParameter.ReductionOp", "SUM"),  # caffe.proto:1001 — "optional ReductionOp operation = 1 [default = SUM]; // reduction operation"
        "axis": ("optional", "int32", 0),  # caffe.proto:1016 — "optional int32 axis = 2 [default = 0];"
        "coeff": ("optional", "float", 1.0),  # caffe.proto:1018 — "optional float coeff = 3 [default = 1.0]; // coefficient for output"
    },
    "ReLUParameter": {
        "negative_slope": ("optional", "float", 0.0),  # caffe.proto:1028 — "optional float negative_slope = 1 [default = 0];"
        "engine": ("optional", "ReLUParameter.Engine", "DEFAULT"),  # caffe.proto:1034 — "optional Engine engine = 2 [default = DEFAULT];"
    },
    "ReshapeParameter": {
        "shape": ("optional", "BlobShape"),
        "axis": ("optional", "int32", 0),  # caffe.proto:1097 — "optional int32 axis = 2 [default = 0];"
        "num_axes": ("optional", "int32", -1),  # caffe.proto:1098 — "optional int32 num_axes = 3 [default = -1];"
    },
    "ScaleParameter": {
        "axis": ("optional", "int32", 1),  # caffe.proto:1115 — "optional int32 axis = 1 [default = 1];"
        "num_axes": ("optional", "int32", 1),  # caffe.proto:1123 — "optional int32 num_axes = 2 [default = 1];"
        "filler": ("optional", "FillerParameter"),
        "bias_term": ("optional", "bool", False),  # caffe.proto:1134 — "optional bool bias_term = 4 [default = false];"
        "bias_filler": ("optional", "FillerParameter"),
    },
    "SigmoidParameter": {
        "engine": ("optional", "SigmoidParameter.Engine", "DEFAULT"),  # caffe.proto:1144 — "optional Engine engine = 1 [default = DEFAULT];"
    },
    "SliceParameter": {
        "axis": ("optional", "int32", 1),  # caffe.proto:1151 — "optional int32 axis = 3 [default = 1];"
        "slice_point": ("repeated", "uint32"),
        "slice_dim": ("optional", "uint32", 1),  # caffe.proto:1155 — "optional uint32 slice_dim = 1 [default = 1];"
    },
    "SoftmaxParameter": {
        "engine": ("optional", "SoftmaxParameter.Engine", "DEFAULT"),  # caffe.proto:1165 — "optional Engine engine = 1 [default = DEFAULT];"
        "axis": ("optional", "int32", 1),  # caffe.proto:1170 — "optional int32 axis = 2 [default = 1];"
    },
    "SwishParameter": {
        "beta": ("optional", "float", 1.0),  # caffe.proto:1179 — "optional float beta = 1 [default = 1];"
    },
    "TanHParameter": {
        "engine": ("optional", "TanHParameter.Engine", "DEFAULT"),  # caffe.proto:1188 — "optional Engine engine = 1 [default = DEFAULT];"
    },
    "TileParameter": {
        "axis": ("optional", "int32", 1),  # caffe.proto:1194 — "optional int32 axis = 1 [default = 1];"
        "tiles": ("optional", "int32"),
    },
    "ThresholdParameter": {
        "threshold": ("optional", "float", 0.0),  # caffe.proto:1202 — "optional float threshold = 1 [default = 0]; // Strictly positive values"
    },
    "WindowDataParameter": {
        "source": ("optional", "string"),
        "scale": ("optional", "float", 1.0),  # caffe.proto:1211 — "optional float scale = 2 [default = 1];"
        "mean_file": ("optional", "string"),
        "batch_size": ("optional", "uint32"),
        "crop_size": ("optional", "uint32", 0),  # caffe.proto:1216 — "optional uint32 crop_size = 5 [default = 0];"
        "mirror": ("optional", "bool", False),  # caffe.proto:1218 — "optional bool mirror = 6 [default = false];"
        "fg_threshold": ("optional", "float", 0.5),  # caffe.proto:1220 — "optional float fg_threshold = 7 [default = 0.5];"
        "bg_threshold": ("optional", "float", 0.5),  # caffe.proto:1222 — "optional float bg_threshold = 8 [default = 0.5];"
        "fg_fraction": ("optional", "float", 0.25),  # caffe.proto:1224 — "optional float fg_fraction = 9 [default = 0.25];"
        "context_pad": ("optional", "uint32", 0),  # caffe.proto:1227 — "optional uint32 context_pad = 10 [default = 0];"
        "crop_mode": ("optional", "string", "warp"),  # caffe.proto:1231 — "optional string crop_mode = 11 [default = "warp"];"
        "cache_images": ("optional", "bool", False),  # caffe.proto:1233 — "optional bool cache_images = 12 [default = false];"
        "root_folder": ("optional", "string", ""),  # caffe.proto:1235 — "optional string root_folder = 13 [default = ""];"
    },
    "SPPParameter": {
        "pyramid_height": ("optional", "uint32"),
        "pool": ("optional", "SPPParameter.PoolMethod", "MAX"),  # caffe.proto:1245 — "optional PoolMethod pool = 2 [default = MAX]; // The pooling method"
        "engine": ("optional", "SPPParameter.Engine", "DEFAULT"),  # caffe.proto:1251 — "optional Engine engine = 6 [default = DEFAULT];"
    },
    "PReLUParameter": {
        "filler": ("optional", "FillerParameter"),
        "channel_shared": ("optional", "bool", False),  # caffe.proto:1448 — "optional bool channel_shared = 2 [default = false];"
    },
}

# Fields caffe.proto marks deprecated: accepted, but `schema.legacy_uses` reports them.
LEGACY = {
    ("ConcatParameter", "concat_dim"): 'caffe.proto:522 — "DEPRECATED: alias for \"axis\""',
    ("SliceParameter", "slice_dim"): 'caffe.proto:1154 — "DEPRECATED: alias for \"axis\""',
    ("DataParameter", "rand_skip"): 'caffe.proto:676 — "DEPRECATED. Each solver accesses a different subset"',
    ("DataParameter", "scale"): 'caffe.proto:679 — "DEPRECATED. See TransformationParameter."',
    ("DataParameter", "mean_file"): 'caffe.proto:679 — "DEPRECATED. See TransformationParameter."',
    ("DataParameter", "crop_size"): 'caffe.proto:684 — "DEPRECATED. See TransformationParameter."',
    ("DataParameter", "mirror"): 'caffe.proto:687 — "DEPRECATED. See TransformationParameter."',
    ("DummyDataParameter", "num"): 'caffe.proto:713 — "4D dimensions -- deprecated."',
    ("DummyDataParameter", "channels"): 'caffe.proto:713 — "4D dimensions -- deprecated."',
    ("DummyDataParameter", "height"): 'caffe.proto:713 — "4D dimensions -- deprecated."',
    ("DummyDataParameter", "width"): 'caffe.proto:713 — "4D dimensions -- deprecated."',
    ("ImageDataParameter", "scale"): 'caffe.proto:823 — "DEPRECATED. See TransformationParameter."',
    ("ImageDataParameter", "mean_file"): 'caffe.proto:823 — "DEPRECATED. See TransformationParameter."',
    ("ImageDataParameter", "crop_size"): 'caffe.proto:828 — "DEPRECATED. See TransformationParameter."',
    ("ImageDataParameter", "mirror"): 'caffe.proto:831 — "DEPRECATED. See TransformationParameter."',
    ("PythonParameter", "share_in_parallel"): 'caffe.proto:969 — "DEPRECATED"',
}
