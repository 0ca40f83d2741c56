function net = global_init(varargin)
global G
net.layers = {} ;
