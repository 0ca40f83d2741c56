function net = bias_lr2_init(varargin)
% configs/story2/equivalent_init.m with the biases learning twice as fast ('learningRate', [1 2]),
% as MatConvNet's examples write it; Keras has no per-parameter rate (lr-multiplier against
% configs/story2/equivalent_keras.py).
f = 1/100 ;
net.layers = {} ;
net.layers{end+1} = struct('name', 'conv1', 'type', 'conv', ...
                           'weights', {{f*randn(5,5,1,8, 'single'), zeros(1, 8, 'single')}}, ...
                           'stride', 1, 'pad', 0, 'learningRate', [1 2]) ;
net.layers{end+1} = struct('name', 'relu1', 'type', 'relu') ;
net.layers{end+1} = struct('name', 'pool1', 'type', 'pool', 'method', 'max', ...
                           'pool', [2 2], 'stride', 2, 'pad', 0) ;
net.layers{end+1} = struct('name', 'fc', 'type', 'conv', ...
                           'weights', {{f*randn(12,12,8,2, 'single'), zeros(1, 2, 'single')}}, ...
                           'stride', 1, 'pad', 0, 'learningRate', [1 2]) ;
net.layers{end+1} = struct('name', 'loss', 'type', 'softmaxloss') ;

net.meta.inputSize = [28 28 1] ;
net.meta.trainOpts.learningRate = 0.05 ;
net.meta.trainOpts.momentum = 0.9 ;
net.meta.trainOpts.weightDecay = 0.0005 ;
net.meta.trainOpts.batchSize = 64 ;
