function parity_record_simplenn(net, x, labels, folder, varargin)
%PARITY_RECORD_SIMPLENN  Train a MatConvNet simplenn net full batch and record every step for parity.
%   PARITY_RECORD_SIMPLENN(NET, X, LABELS, FOLDER) runs, for step = 0..STEPS: vl_simplenn forward
%   and backward on the whole batch X (H x W x C x N) with LABELS (1..K, MatConvNet's classes),
%   writes the weights, the gradients and the loss of that step, then applies cnn_train's update
%   (accumulateGradients of MatConvNet 1.0-beta25: plain SGD with momentum and weight decay):
%
%       g     = dzdw / N + weightDecay * decay(j) * w
%       v     = momentum * v - g
%       w     = w + learningRate(epoch) * lr(j) * v          (skipped where both factors are 0)
%
%   Full batch, so epoch k is update k and a vector trainOpts.learningRate is read per update.
%   The loss and gradients recorded are cnn_train's objective, the summed loss / N, and its
%   gradients dzdw / N (the data term: the decay lives in the update).
%
%   Options (name, value), defaulting to NET.meta.trainOpts, then to cnn_train's defaults:
%     'steps' (10), 'learningRate' (0.001), 'momentum' (0.9), 'weightDecay' (0.0005),
%     'nesterovUpdate' (false), 'spec' (a note naming the init file).
%
%   FOLDER gets manifest.txt (text, written with fprintf) and raw little-endian float32 files
%   (fwrite, column-major as MATLAB stores arrays): w_STEP_I.f32 (weights) and g_STEP_I.f32
%   (gradients) per parameter I, input.f32 (X). A "step" line is written after that step's
%   files, and "end" after the last, so a folder cut short is read up to its last step. Then:
%       parity import-matlab FOLDER --out matlab.h5
%       parity record cnn_init.m --out parity.h5 ...  &&  parity diff parity.h5 matlab.h5
%   Runs in MATLAB and GNU Octave (vl_simplenn must be on the path).

opts.steps = 10 ;
opts.learningRate = 0.001 ;
opts.momentum = 0.9 ;
opts.weightDecay = 0.0005 ;
opts.nesterovUpdate = false ;
opts.spec = '' ;
if isfield(net, 'meta') && isfield(net.meta, 'trainOpts')
  names = fieldnames(net.meta.trainOpts) ;
  for i = 1:numel(names)
    if isfield(opts, names{i}), opts.(names{i}) = net.meta.trainOpts.(names{i}) ; end
  end
end
for i = 1:2:numel(varargin)
  opts.(varargin{i}) = varargin{i+1} ;
end

if ~exist(folder, 'dir'), mkdir(folder) ; end
n = size(x, 4) ;
net.layers{end}.class = labels ;

% the trained parameters, forward order (a bnorm layer's moments are state, not recorded)
params = {} ;
for l = 1:numel(net.layers)
  layer = net.layers{l} ;
  if ~isfield(layer, 'weights'), continue ; end
  for j = 1:numel(layer.weights)
    if ~is_moments(layer, j), params{end+1} = [l j] ; end %#ok<AGROW>
  end
end

manifest = fopen(fullfile(folder, 'manifest.txt'), 'w') ;
fprintf(manifest, 'parity-matlab-trace 1\n') ;
if exist('OCTAVE_VERSION', 'builtin')
  fprintf(manifest, 'meta framework GNU Octave %s\n', OCTAVE_VERSION) ;
else
  fprintf(manifest, 'meta framework MATLAB %s\n', version) ;
end
fprintf(manifest, 'meta writer parity_record_simplenn.m\n') ;
fprintf(manifest, 'meta spec %s\n', opts.spec) ;
fprintf(manifest, 'meta steps %d\n', opts.steps) ;
fprintf(manifest, 'meta samples %d\n', n) ;
fprintf(manifest, 'meta momentum %.17g\n', opts.momentum) ;
fprintf(manifest, 'meta weightDecay %.17g\n', opts.weightDecay) ;
for p = 1:numel(params)
  l = params{p}(1) ; j = params{p}(2) ;
  w = net.layers{l}.weights{j} ;
  role = param_role(net.layers{l}, j) ;
  if strcmp(role, 'kernel')
    dims = [size(w,1) size(w,2) size(w,3) size(w,4)] ;
    layout = 'h,w,in,out' ;
  else
    dims = numel(w) ;
    layout = '-' ;
  end
  fprintf(manifest, 'tensor %d %s %s %s %d%s\n', p - 1, layer_name(net.layers{l}, l), role, layout, ...
          numel(dims), sprintf(' %d', dims)) ;
end
write_f32(fullfile(folder, 'input.f32'), x) ;
fprintf(manifest, 'input input.f32 4 %d %d %d %d\n', size(x,1), size(x,2), size(x,3), size(x,4)) ;

momentum = cell(1, numel(net.layers)) ;
for l = 1:numel(net.layers)
  if isfield(net.layers{l}, 'weights')
    for j = 1:numel(net.layers{l}.weights)
      momentum{l}{j} = zeros(size(net.layers{l}.weights{j}), 'single') ;
    end
  end
end

for step = 0:opts.steps
  res = vl_simplenn(net, x, single(1), [], 'mode', 'normal', 'conserveMemory', false) ;
  rate = opts.learningRate(min(step + 1, numel(opts.learningRate))) ;
  for p = 1:numel(params)
    l = params{p}(1) ; j = params{p}(2) ;
    write_f32(fullfile(folder, sprintf('w_%d_%d.f32', step, p - 1)), net.layers{l}.weights{j}) ;
    write_f32(fullfile(folder, sprintf('g_%d_%d.f32', step, p - 1)), res(l).dzdw{j} / n) ;
  end
  fprintf(manifest, 'step %d %.17g %.17g\n', step, double(gather_(res(end).x)) / n, rate) ;
  fflush_(manifest) ;
  if step == opts.steps, break ; end
  % cnn_train (beta25) accumulateGradients, solver = [] (SGD)
  for l = numel(net.layers):-1:1
    layer = net.layers{l} ;
    if ~isfield(layer, 'weights'), continue ; end
    for j = numel(res(l).dzdw):-1:1
      if is_moments(layer, j)  % bnorm moments: a running average, not a gradient step
        thisLR = factor(layer, 'learningRate', j) ;
        net.layers{l}.weights{j} = (1 - thisLR) * layer.weights{j} + (thisLR / n) * res(l).dzdw{j} ;
        continue ;
      end
      thisDecay = opts.weightDecay * factor(layer, 'weightDecay', j) ;
      thisLR = rate * factor(layer, 'learningRate', j) ;
      if thisLR > 0 || thisDecay > 0
        parDer = res(l).dzdw{j} / n + thisDecay * layer.weights{j} ;
        momentum{l}{j} = opts.momentum * momentum{l}{j} - parDer ;
        if opts.nesterovUpdate
          delta = opts.momentum * momentum{l}{j} - parDer ;
        else
          delta = momentum{l}{j} ;
        end
        net.layers{l}.weights{j} = layer.weights{j} + thisLR * delta ;
      end
    end
  end
end
fprintf(manifest, 'end\n') ;
fclose(manifest) ;
end

function write_f32(path, a)
  fid = fopen(path, 'w', 'ieee-le') ;
  fwrite(fid, single(gather_(a)), 'float32') ;
  fclose(fid) ;
end

function a = gather_(a)
  if isa(a, 'gpuArray'), a = gather(a) ; end
end

function fflush_(fid)
  if exist('OCTAVE_VERSION', 'builtin'), fflush(fid) ; end
end

function f = factor(layer, name, j)
  f = 1 ;
  if isfield(layer, name) && numel(layer.(name)) >= j, f = layer.(name)(j) ; end
end

function yes = is_moments(layer, j)
  yes = strcmp(layer.type, 'bnorm') && j == 3 ;
end

function role = param_role(layer, j)
  if strcmp(layer.type, 'bnorm')
    roles = {'gamma', 'beta'} ;
  else
    roles = {'kernel', 'bias'} ;
  end
  role = roles{min(j, 2)} ;
end

function name = layer_name(layer, l)
  if isfield(layer, 'name') && ~isempty(layer.name)
    name = strrep(layer.name, ' ', '_') ;
  else
    name = sprintf('layer%d', l) ;
  end
end
