"""Parser for the MATLAB subset that MatConvNet `simplenn` init functions are written in.

`parse(text, path)` returns a `mast.Module`: the file's functions in order, the first
being the one MATLAB runs. What it reads:

* function files: `function net = name(varargin)`, sub-functions, `function [a, b] = f(x)`,
  each optionally closed by its own `end`; a script (statements before any `function`)
  is refused;
* statements separated by `;`, `,` or newlines: assignments (`x = ...`, `s.a.b{i}(j) =
  ...`, `[a, ~] = f(...)`), expression statements, `if/elseif/else`, `for`, `switch/case/
  otherwise`, `break`, `continue`, `return`;
* expressions with MATLAB's precedence, from loosest: `||`, `&&`, `|`, `&`, comparisons,
  `:` ranges, `+ -`, `* / .* ./ \\ .\\`, unary `- + ~ !`, `^ .^`, then postfix indexing
  `()`, `{}`, `.name`, `.(expr)` and transposes; `[ ]` matrices and `{ }` cells;
  `end` inside an index.

`while`, `try`, `global`, function handles (`@`), complex numbers and the like are
refused with a SpecError naming the construct and its line:col. Lexing is in `mlex`,
the node types in `mast`. The only exception that can leave this module is SpecError.
"""

import dataclasses

from ...errors import SpecError
from . import mast as A
from .mlex import SUBSET_HINT, tokenize

# Deeper than any real init file; the caps keep hostile input far from Python's
# recursion limit, here and later in the evaluator, which walks the same trees.
MAX_NESTING = 64  # brackets, unary chains and blocks inside one another
MAX_TREE_DEPTH = 100  # any expression tree, e.g. `a.b.c...` or `1+1+...+1`

BINARY_PREC = {
    "||": 1, "&&": 2, "|": 3, "&": 4,
    "==": 5, "~=": 5, "!=": 5, "<": 5, "<=": 5, ">": 5, ">=": 5,
    ":": 6, "+": 7, "-": 7,
    "*": 8, "/": 8, ".*": 8, "./": 8, "\\": 8, ".\\": 8,
}
_UNARY = ("-", "+", "~", "!")
_BLOCK_WORDS = ("end", "else", "elseif", "case", "otherwise", "function")
_STATEMENTS = (A.Assign, A.ExprStmt, A.If, A.For, A.Switch, A.Return, A.Break,
               A.Continue, A.Function)


class _Parser:
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

    # --- functions and blocks -----------------------------------------------------

    def module(self):
        module = A.Module(self.path)
        self.skip_separators()
        if self.tok.kind == "eof":
            raise SpecError(
                "the file defines no function", path=self.path, line=1, col=1,
                hint="(an init file starts with 'function net = name(varargin)')",
            )
        while self.tok.kind != "eof":
            if not self.tok.is_kw("function"):
                raise self.error(
                    "statements outside a function: parity reads function files, not scripts"
                    if not module.functions else
                    f"unexpected {self.tok.describe()} between functions",
                )
            fn = self.function()
            if module.function(fn.name):
                raise self.error(f"function '{fn.name}' is defined twice", fn)
            module.functions.append(fn)
            self.skip_separators()
        for fn in module.functions:
            _check_tree(fn, self.path)
        return module

    def function(self):
        start = self.advance()
        outputs = []
        if self.tok.is_op("["):
            self.advance()
            outputs = self.name_list("]", tilde=False)
            self.expect_op("=")
            name = self.expect_name("the function's name")
        else:
            first = self.expect_name("the function's name")
            name = first
            if self.tok.is_op("="):
                self.advance()
                outputs = [first.value]
                name = self.expect_name("the function's name")
        params = []
        if self.tok.is_op("("):
            self.advance()
            params = self.name_list(")", tilde=True)
        if "varargin" in params[:-1]:
            raise self.error("'varargin' must be the last parameter", name)
        body, closer = self.block(("end", "function"), start, eof_closes=True)
        closed = closer.is_kw("end")
        if closed:
            self.advance()
        return A.Function(start.line, start.col, name.value, params, outputs, body, closed)

    def name_list(self, close, tilde):
        names = []
        while not self.tok.is_op(close):
            if tilde and self.tok.is_op("~", "!"):
                self.advance()
                names.append("~")
            else:
                names.append(self.expect_name("a name").value)
            if self.tok.is_op(","):
                self.advance()
            elif not self.tok.is_op(close):
                raise self.unexpected(f"',' or '{close}'")
        self.advance()
        return names

    def block(self, terminators, opener, eof_closes=False):
        """Statements up to one of terminators, which is returned, not consumed."""
        self.enter(opener)
        body = []
        while True:
            self.skip_separators()
            t = self.tok
            if t.kind == "eof":
                if eof_closes:
                    break
                raise self.error(f"'{opener.value}' is never closed by 'end'", opener)
            if t.is_kw(*terminators):
                break
            body.append(self.statement())
        self.leave()
        return body, self.tok

    # --- statements ---------------------------------------------------------------

    def statement(self):
        t = self.tok
        if t.kind == "kw":
            return self.keyword_statement(t)
        expr = self.expr()
        if self.tok.is_op("="):
            self.advance()
            targets = self.targets(expr)
            node = A.Assign(t.line, t.col, targets, self.expr())
        else:
            node = A.ExprStmt(t.line, t.col, expr)
        self.end_statement(bare_name=isinstance(expr, A.Name))
        return node

    def keyword_statement(self, t):
        word = t.value
        if word == "if":
            node = self.if_statement()
        elif word == "for":
            node = self.for_statement()
        elif word == "switch":
            node = self.switch_statement()
        elif word in ("return", "break", "continue"):
            self.advance()
            if word != "return" and not self.loops:
                raise self.error(f"'{word}' outside a loop", t)
            node = {"return": A.Return, "break": A.Break, "continue": A.Continue}[word](
                t.line, t.col
            )
        elif word == "function":
            raise self.error("a function definition inside a block (is an 'end' missing?)", t)
        else:
            raise self.error(f"unexpected '{word}'", t)
        self.end_statement()
        return node

    def end_statement(self, bare_name=False):
        t = self.tok
        if t.kind in ("nl", "eof") or t.is_kw(*_BLOCK_WORDS):
            return
        if t.is_op(";", ","):
            self.advance()
            return
        hint = None
        if bare_name and t.kind in ("name", "num", "str"):
            hint = "(command syntax such as 'format long' is not supported)"
        raise self.error(f"expected the end of the statement but found {t.describe()}", t, hint)

    def targets(self, expr):
        if isinstance(expr, A.Matrix):
            if len(expr.rows) != 1:
                raise self.error("the outputs of '[...] =' must be one row of names", expr)
            return [self.target(e) for e in expr.rows[0]]
        return [self.target(expr)]

    def target(self, expr):
        node = expr
        while isinstance(node, (A.Index, A.Field, A.DynField)):
            node = node.base
        if not isinstance(node, (A.Name, A.Tilde)):
            raise self.error("cannot assign to this expression", expr)
        return expr

    def if_statement(self):
        start = self.advance()
        clauses, orelse = [], None
        cond = self.expr()
        body, term = self.block(("elseif", "else", "end"), start)
        clauses.append((cond, body))
        while not term.is_kw("end"):
            self.advance()
            if term.is_kw("elseif"):
                cond = self.expr()
                body, term = self.block(("elseif", "else", "end"), start)
                clauses.append((cond, body))
            else:
                orelse, term = self.block(("end",), start)
        self.advance()
        return A.If(start.line, start.col, clauses, orelse)

    def for_statement(self):
        start = self.advance()
        paren = self.tok.is_op("(") and self.peek(1).kind == "name" and self.peek(2).is_op("=")
        if paren:
            self.advance()
        var = self.expect_name("the loop variable")
        self.expect_op("=")
        iterable = self.expr()
        if paren:
            self.expect_op(")")
        self.loops += 1
        body, _ = self.block(("end",), start)
        self.loops -= 1
        self.advance()
        return A.For(start.line, start.col, var.value, iterable, body)

    def switch_statement(self):
        start = self.advance()
        subject = self.expr()
        cases, otherwise = [], None
        self.skip_separators()
        while True:
            t = self.tok
            if t.is_kw("case") and otherwise is None:
                self.advance()
                value = self.expr()
                body, _ = self.block(("case", "otherwise", "end"), start)
                cases.append((value, body))
            elif t.is_kw("otherwise") and otherwise is None:
                self.advance()
                otherwise, _ = self.block(("case", "otherwise", "end"), start)
            elif t.is_kw("end"):
                self.advance()
                break
            elif t.kind == "eof":
                raise self.error("'switch' is never closed by 'end'", start)
            else:
                raise self.unexpected("'case', 'otherwise' or 'end'")
        return A.Switch(start.line, start.col, subject, cases, otherwise)

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


def _children(node):
    names = _FIELDS.get(type(node))
    if names is None:
        names = _FIELDS[type(node)] = [
            f.name for f in dataclasses.fields(node) if f.name not in ("line", "col")
        ]
    for name in names:
        yield getattr(node, name)


def _check_tree(root, path):
    """Cap expression depth and allow `~` only as a thrown-away output, without recursion."""
    stack = [(root, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend((x, depth) for x in item)
            continue
        if not isinstance(item, A.Node):
            continue
        if isinstance(item, _STATEMENTS):
            depth = 0
        else:
            depth += 1
            if depth > MAX_TREE_DEPTH:
                raise SpecError(
                    f"expression nested more than {MAX_TREE_DEPTH} levels deep",
                    path=path, line=item.line, col=item.col,
                )
        if isinstance(item, A.Tilde):
            raise SpecError(
                "'~' as a value: it only stands for a thrown-away output in '[~, x] = f(...)'",
                path=path, line=item.line, col=item.col,
            )
        if isinstance(item, A.Assign):
            stack.extend((t, 0) for t in item.targets if not isinstance(t, A.Tilde))
            stack.append((item.value, 0))
            continue
        stack.extend((child, depth) for child in _children(item))


def parse(text, path="<string>"):
    """The `mast.Module` of MATLAB source text; SpecError (with path:line:col) if unreadable."""
    tokens = tokenize(text, path)
    try:
        return _Parser(tokens, path).module()
    except RecursionError:
        raise SpecError("the file nests too deeply to be read", path=path) from None


__all__ = ["parse", "SUBSET_HINT"]
