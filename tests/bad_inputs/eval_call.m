function net = eval_init(varargin)
eval('net.layers = {} ;') ;
