function net = dagnn_init(varargin)
net.layers = {} ;
net.layers{end+1} = struct('type', 'softmaxloss') ;
net = dagnn.DagNN.fromSimpleNN(net) ;
