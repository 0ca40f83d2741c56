"""Expression parsing for `mlang`: MATLAB's operator precedence, indexing, `[ ]`, `{ }`.

From loosest to tightest: `||`, `&&`, `|`, `&`, comparisons, `:` ranges, `+ -`,
`* / .* ./ \\ .\\`, unary `- + ~ !`, `^ .^` (whose exponent may carry a unary sign), then
postfix `()`, `{}`, `.name`, `.(expr)` and transposes. Binary operators are parsed by
precedence climbing, so nesting, not operator count, is what deepens Python's stack.
"""

from ....errors import SpecError
from . import mast as A

# Deeper than any real init file; the cap keeps hostile input far from Python's
# recursion limit, here and later in the evaluator, which walks the same trees.
MAX_NESTING = 64  # brackets, unary chains and blocks inside one another

BINARY_PREC = {
    "||": 1, "&&": 2, "|": 3, "&": 4,
    "==": 5, "~=": 5, "!=": 5, "<": 5, "<=": 5, ">": 5, ">=": 5,
    ":": 6, "+": 7, "-": 7,
    "*": 8, "/": 8, ".*": 8, "./": 8, "\\": 8, ".\\": 8,
}
_UNARY = ("-", "+", "~", "!")


class ExprParser:
    """Token cursor and expression rules; `mlang._Parser` adds statements on top."""

    def __init__(self, tokens, path):
        self.toks = tokens
        self.i = 0
        self.path = path
        self.nesting = 0
        self.loops = 0
        self.index_depth = 0  # > 0 while parsing the arguments of an index, where `end` is a value

    # --- helpers ------------------------------------------------------------------

    @property
    def tok(self):
        return self.toks[self.i]

    def peek(self, k=1):
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def advance(self):
        t = self.toks[self.i]
        if t.kind != "eof":
            self.i += 1
        return t

    def error(self, message, at=None, hint=None):
        at = at or self.tok
        return SpecError(message, path=self.path, line=at.line, col=at.col, hint=hint)

    def unexpected(self, wanted):
        return self.error(f"expected {wanted} but found {self.tok.describe()}")

    def expect_op(self, op):
        if not self.tok.is_op(op):
            raise self.unexpected(f"'{op}'")
        return self.advance()

    def expect_name(self, what):
        if self.tok.kind != "name":
            raise self.unexpected(what)
        return self.advance()

    def enter(self, at):
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise self.error(f"nested more than {MAX_NESTING} levels deep", at)

    def leave(self):
        self.nesting -= 1

    def skip_separators(self):
        while self.tok.kind == "nl" or self.tok.is_op(";", ","):
            self.advance()

    # --- expressions --------------------------------------------------------------

    def expr(self):
        self.enter(self.tok)
        try:
            return self.binary(1)
        finally:
            self.leave()

    def binary(self, min_prec):
        left = self.unary()
        while True:
            t = self.tok
            prec = BINARY_PREC.get(t.value) if t.kind == "op" else None
            if prec is None or prec < min_prec:
                return left
            self.advance()
            if t.value == ":":
                step, stop = None, self.binary(prec + 1)
                if self.tok.is_op(":"):
                    self.advance()
                    step, stop = stop, self.binary(prec + 1)
                left = A.Range(t.line, t.col, left, step, stop)
            else:
                op = "~=" if t.value == "!=" else t.value
                left = A.Binary(t.line, t.col, op, left, self.binary(prec + 1))

    def unary(self, operand=None):
        t = self.tok
        if t.is_op(*_UNARY):
            self.advance()
            self.enter(t)
            inner = self.unary(operand)
            self.leave()
            return A.Unary(t.line, t.col, "~" if t.value == "!" else t.value, inner)
        if operand:  # the exponent of `^` binds tighter than anything but postfix
            return operand()
        return self.power()

    def power(self):
        base = self.postfix()
        while self.tok.is_op("^", ".^"):
            t = self.advance()
            base = A.Binary(t.line, t.col, t.value, base, self.unary(self.postfix))
        return base

    def postfix(self):
        node = self.primary()
        while True:
            t = self.tok
            if t.is_op("(", "{"):
                self.advance()
                args = self.args(")" if t.value == "(" else "}")
                node = A.Index(t.line, t.col, node, t.value == "{", args)
            elif t.is_op("."):
                self.advance()
                n = self.tok
                if n.kind == "name":
                    self.advance()
                    node = A.Field(n.line, n.col, node, n.value)
                elif n.is_op("("):
                    self.advance()
                    node = A.DynField(n.line, n.col, node, self.expr())
                    self.expect_op(")")
                else:
                    raise self.unexpected("a field name after '.'")
            elif t.is_op("'", ".'"):
                self.advance()
                node = A.Transpose(t.line, t.col, node)
            else:
                return node

    def args(self, close):
        self.index_depth += 1
        try:
            args = []
            while not self.tok.is_op(close):
                if self.tok.is_op(":") and self.peek().is_op(",", close):
                    t = self.advance()
                    args.append(A.Colon(t.line, t.col))
                else:
                    args.append(self.expr())
                if self.tok.is_op(","):
                    self.advance()
                    if self.tok.is_op(close):
                        raise self.unexpected("an argument")
                elif not self.tok.is_op(close):
                    raise self.unexpected(f"',' or '{close}'")
            self.advance()
            return args
        finally:
            self.index_depth -= 1

    def primary(self):
        t = self.tok
        if t.kind == "num":
            self.advance()
            return A.Num(t.line, t.col, t.value)
        if t.kind == "str":
            self.advance()
            return A.Str(t.line, t.col, t.value)
        if t.kind == "name":
            self.advance()
            return A.Name(t.line, t.col, t.value)
        if t.is_kw("end") and self.index_depth:
            self.advance()
            return A.End(t.line, t.col)
        if t.is_op("("):
            self.advance()
            inner = self.expr()
            self.expect_op(")")
            return inner
        if t.is_op("[", "{"):
            return self.matrix(A.Matrix if t.value == "[" else A.CellLit, "]" if t.value == "[" else "}")
        raise self.unexpected("a value")

    def matrix(self, cls, close):
        start = self.advance()
        self.enter(start)
        rows = [[]]
        while not self.tok.is_op(close):
            if self.tok.is_op(";"):
                self.advance()
                rows.append([])
                continue
            if self.tok.is_op("~", "!") and self.peek().is_op(",", close):
                t = self.advance()
                rows[-1].append(A.Tilde(t.line, t.col))
            else:
                rows[-1].append(self.expr())
            if self.tok.is_op(","):
                self.advance()
            elif not self.tok.is_op(";", close):
                raise self.unexpected(f"',', ';' or '{close}'")
        self.advance()
        self.leave()
        return cls(start.line, start.col, [row for row in rows if row])


_FIELDS = {}
