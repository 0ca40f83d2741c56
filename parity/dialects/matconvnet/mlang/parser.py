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
expressions in `mexpr`, the node types in `mast`. The only exception that can leave this module is SpecError.
"""

import dataclasses

from ....errors import SpecError
from . import mast as A
from .mexpr import ExprParser
from .mlex import SUBSET_HINT, Token, tokenize

# Deeper than any real init file: the evaluator walks these trees recursively.
MAX_TREE_DEPTH = 100  # any expression tree, e.g. `a.b.c...` or `1+1+...+1`

_BLOCK_WORDS = ("end", "else", "elseif", "case", "otherwise", "function")
_STATEMENTS = (A.Assign, A.ExprStmt, A.If, A.For, A.Switch, A.Return, A.Break,
               A.Continue, A.Function)


class _Parser(ExprParser):
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
                if not module.functions:
                    raise self.error("statements outside a function: "
                                     "parity reads function files, not scripts")
                raise self.error(f"unexpected {self.tok.describe()} between functions",
                                 hint="(nested functions are not supported)"
                                 if self.tok.is_kw("end") else None)
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
            outputs = [t.value for t in self.name_list("]", tilde=False)]
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
        for t in params[:-1]:
            if t.value == "varargin":
                raise self.error("'varargin' must be the last parameter", t)
        params = [t.value for t in params]
        body, closer = self.block(("end", "function"), start, eof_closes=True)
        closed = closer.is_kw("end")
        if closed:
            self.advance()
        return A.Function(start.line, start.col, name.value, params, outputs, body, closed)

    def name_list(self, close, tilde):
        """The name tokens of `[a, b]` or `(x, ~, varargin)`; `~` comes back as a name '~'."""
        names = []
        while not self.tok.is_op(close):
            if tilde and self.tok.is_op("~", "!"):
                t = self.advance()
                names.append(Token("name", "~", t.line, t.col))
            else:
                names.append(self.expect_name("a name"))
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
