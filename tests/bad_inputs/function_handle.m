function net = handle_init(varargin)
sq = @(x) x.^2 ;
net.layers = {} ;
