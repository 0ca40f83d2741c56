function net = lenet_mnist_init(varargin)
% LENET_MNIST_INIT  The same LeNet as lenet_train_test.prototxt, written the way MatConvNet's
% examples/mnist/cnn_mnist_init.m writes a net: options through vl_argparse (batch normalization on
% by default), layers appended as structs, and a bnorm layer spliced in after each of the first three
% convolutions. `cnn_mnist_init('batchNormalization', false)` is `parity check ... --b-set
% batchNormalization=false`. Written for parity's tests.
opts.batchNormalization = true ;
opts.networkType = 'simplenn' ;
opts = vl_argparse(opts, varargin) ;

rng('default') ;
rng(0) ;

f = 1/100 ;
net.layers = {} ;
net.layers{end+1} = struct('name', 'conv1', 'type', 'conv', ...
                           'weights', {{f*randn(5,5,1,20, 'single'), zeros(1, 20, 'single')}}, ...
                           'stride', 1, 'pad', 0) ;
net.layers{end+1} = struct('name', 'pool1', 'type', 'pool', 'method', 'max', ...
                           'pool', [2 2], 'stride', 2, 'pad', 0) ;
net.layers{end+1} = struct('name', 'conv2', 'type', 'conv', ...
                           'weights', {{f*randn(5,5,20,50, 'single'), zeros(1, 50, 'single')}}, ...
                           'stride', 1, 'pad', 0) ;
net.layers{end+1} = struct('name', 'pool2', 'type', 'pool', 'method', 'max', ...
                           'pool', [2 2], 'stride', 2, 'pad', 0) ;
net.layers{end+1} = struct('name', 'ip1', 'type', 'conv', ...
                           'weights', {{f*randn(4,4,50,500, 'single'), zeros(1, 500, 'single')}}, ...
                           'stride', 1, 'pad', 0) ;
net.layers{end+1} = struct('name', 'relu1', 'type', 'relu') ;
net.layers{end+1} = struct('name', 'ip2', 'type', 'conv', ...
                           'weights', {{f*randn(1,1,500,10, 'single'), zeros(1, 10, 'single')}}, ...
                           'stride', 1, 'pad', 0) ;
net.layers{end+1} = struct('name', 'loss', 'type', 'softmaxloss') ;

if opts.batchNormalization
  net = insertBnorm(net, 1) ;
  net = insertBnorm(net, 4) ;
  net = insertBnorm(net, 7) ;
end

net.meta.inputSize = [28 28 1] ;
net.meta.trainOpts.learningRate = 0.001 ;
net.meta.trainOpts.numEpochs = 20 ;
net.meta.trainOpts.batchSize = 100 ;

net = vl_simplenn_tidy(net) ;

switch lower(opts.networkType)
  case 'simplenn'
    % the net as built
  otherwise
    error('parity reads the simplenn form only') ;
end

% --------------------------------------------------------------------
function net = insertBnorm(net, l)
% --------------------------------------------------------------------
% A bnorm layer after layer l, with the conv's bias dropped (bnorm's shift replaces it).
assert(isfield(net.layers{l}, 'weights')) ;
ndim = size(net.layers{l}.weights{1}, 4) ;
layer = struct('type', 'bnorm', ...
               'weights', {{ones(ndim, 1, 'single'), zeros(ndim, 1, 'single')}}, ...
               'learningRate', [1 1 0.05], ...
               'weightDecay', [0 0]) ;
net.layers{l}.weights{2} = [] ;
net.layers = horzcat(net.layers(1:l), layer, net.layers(l+1:end)) ;
