function net = try_catch_init(varargin)
net.layers = {} ;
try
  x = 1 ;
catch
  x = 2 ;
end
