function net = f(varargin)
net.layers = {} ;
net.layers{end+1} = struct('name', 'conv1', 'type', 'conv' ;
