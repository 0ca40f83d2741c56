function net = cnn_two_class_init(varargin)
% Story 2, the MatConvNet side: a simplenn net for 28x28x1 images of two classes,
% written the way MatConvNet's examples/mnist/cnn_mnist_init.m writes its nets.
%
% Four conv/max-pool stages (no nonlinearity between them), then "ip1": a 1x1 conv whose
% filters are 256 deep although its input has 512 channels -- MatConvNet accepts that and
% runs it as 2 groups of 128 filters -- a ReLU, and a 1x1 classifier conv for the two classes.
% Biases learn at twice the rate of the filters; SGD with momentum, weight decay, and a
% learning rate that drops tenfold after 10 and after 20 epochs.
%
% Run with batch normalisation after every conv by adding the comment line
%   % parity: batchNormalization=true
opts.batchNormalization = false ;
opts = vl_argparse(opts, varargin) ;

f = 0.0125 ;
lr = [1 2] ;
net.layers = {} ;
net.layers{end+1} = struct('name', 'conv1', 'type', 'conv', ...
                           'weights', {{f*randn(3,3,1,64, 'single'), zeros(1, 64, 'single')}}, ...
                           'stride', 1, 'pad', 0, 'learningRate', lr) ;
net.layers{end+1} = struct('name', 'pool1', 'type', 'pool', 'method', 'max', ...
                           'pool', [3 3], 'stride', 1, 'pad', 0) ;
net.layers{end+1} = struct('name', 'conv2', 'type', 'conv', ...
                           'weights', {{f*randn(5,5,64,128, 'single'), zeros(1, 128, 'single')}}, ...
                           'stride', 1, 'pad', 0, 'learningRate', lr) ;
net.layers{end+1} = struct('name', 'pool2', 'type', 'pool', 'method', 'max', ...
                           'pool', [2 2], 'stride', 2, 'pad', 0) ;
net.layers{end+1} = struct('name', 'conv3', 'type', 'conv', ...
                           'weights', {{f*randn(3,3,128,256, 'single'), zeros(1, 256, 'single')}}, ...
                           'stride', 1, 'pad', 0, 'learningRate', lr) ;
net.layers{end+1} = struct('name', 'pool3', 'type', 'pool', 'method', 'max', ...
                           'pool', [3 3], 'stride', 1, 'pad', 0) ;
net.layers{end+1} = struct('name', 'conv4', 'type', 'conv', ...
                           'weights', {{f*randn(5,5,256,512, 'single'), zeros(1, 512, 'single')}}, ...
                           'stride', 1, 'pad', 0, 'learningRate', lr) ;
net.layers{end+1} = struct('name', 'pool4', 'type', 'pool', 'method', 'max', ...
                           'pool', [2 2], 'stride', 1, 'pad', 0) ;
% the filter depth (256) is half the input depth (512): two groups, not a fully connected layer
net.layers{end+1} = struct('name', 'ip1', 'type', 'conv', ...
                           'weights', {{f*randn(1,1,256,256, 'single'), zeros(1, 256, 'single')}}, ...
                           'stride', 1, 'pad', 0, 'learningRate', lr) ;
net.layers{end+1} = struct('name', 'relu1', 'type', 'relu') ;
net.layers{end+1} = struct('name', 'classifier', 'type', 'conv', ...
                           'weights', {{f*randn(1,1,256,2, 'single'), zeros(1, 2, 'single')}}, ...
                           'stride', 1, 'pad', 0, 'learningRate', lr) ;
net.layers{end+1} = struct('name', 'loss', 'type', 'softmaxloss') ;

if opts.batchNormalization
  net = insertBnorm(net, 1) ;
  net = insertBnorm(net, 4) ;
  net = insertBnorm(net, 7) ;
  net = insertBnorm(net, 10) ;
end

net.meta.inputSize = [28 28 1] ;
net.meta.trainOpts.learningRate = [0.01*ones(1,10) 0.001*ones(1,10) 0.0001*ones(1,10)] ;
net.meta.trainOpts.numEpochs = numel(net.meta.trainOpts.learningRate) ;
net.meta.trainOpts.batchSize = 256 ;
net.meta.trainOpts.momentum = 0.9 ;
net.meta.trainOpts.weightDecay = 0.0005 ;

net = vl_simplenn_tidy(net) ;

% --------------------------------------------------------------------
function net = insertBnorm(net, l)
% --------------------------------------------------------------------
% a bnorm layer after conv l takes over that conv's bias
assert(isfield(net.layers{l}, 'weights')) ;
ndim = size(net.layers{l}.weights{1}, 4) ;
layer = struct('name', sprintf('bn%d', l), 'type', 'bnorm', ...
               'weights', {{ones(ndim, 1, 'single'), zeros(ndim, 1, 'single')}}, ...
               'learningRate', [1 1 0.05], 'weightDecay', [0 0]) ;
net.layers{l}.weights{2} = [] ;
net.layers = horzcat(net.layers(1:l), layer, net.layers(l+1:end)) ;
