function net = while_loop_init(varargin)
% MATLAB's while loop is outside the simplenn subset parity runs.
net.layers = {} ;
k = 0 ;
while k < 3
  k = k + 1 ;
end
