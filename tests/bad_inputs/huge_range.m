function out = f()
x = 1:1e12 ;
out = x ;
