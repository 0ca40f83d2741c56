function net = equivalent_init(varargin)
% The MatConvNet half of a pair that trains identically in Keras (equivalent_keras.py):
% conv 5x5 -> 8 + ReLU, max pool 2x2 stride 2, and a conv whose filters cover the whole
% 12x12x8 map ("fully connected mode"), which Keras writes as Flatten + Dense.
%
% What makes the pair agree: every learning rate multiplier is 1 (Keras has none); the
% rate is constant (MatConvNet applies it when it updates the weights, Keras inside the
% velocity: the same only while the rate does not change); the pooling stride is written
% out on both sides; MatConvNet's weight decay lambda (gradient + lambda*w, biases
% included) is Keras' L2(lambda/2) on kernels and biases.
f = 1/100 ;
net.layers = {} ;
net.layers{end+1} = struct('name', 'conv1', 'type', 'conv', ...
                           'weights', {{f*randn(5,5,1,8, 'single'), zeros(1, 8, 'single')}}, ...
                           'stride', 1, 'pad', 0, 'learningRate', [1 1]) ;
net.layers{end+1} = struct('name', 'relu1', 'type', 'relu') ;
net.layers{end+1} = struct('name', 'pool1', 'type', 'pool', 'method', 'max', ...
                           'pool', [2 2], 'stride', 2, 'pad', 0) ;
net.layers{end+1} = struct('name', 'fc', 'type', 'conv', ...
                           'weights', {{f*randn(12,12,8,2, 'single'), zeros(1, 2, 'single')}}, ...
                           'stride', 1, 'pad', 0, 'learningRate', [1 1]) ;
net.layers{end+1} = struct('name', 'loss', 'type', 'softmaxloss') ;

net.meta.inputSize = [28 28 1] ;
net.meta.trainOpts.learningRate = 0.05 ;
net.meta.trainOpts.momentum = 0.9 ;
net.meta.trainOpts.weightDecay = 0.0005 ;
net.meta.trainOpts.batchSize = 64 ;
