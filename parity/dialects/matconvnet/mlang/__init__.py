"""The MATLAB subset that MatConvNet `simplenn` init functions are written in: lexer, parser, interpreter."""
