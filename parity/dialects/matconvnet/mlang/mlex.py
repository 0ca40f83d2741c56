"""Tokens of the MATLAB subset that simplenn init files are written in.

MATLAB's lexical rules depend on context, and this lexer follows them:

* `'` is the transpose operator right after a value (`a'`, `x(1)'`) and opens a string
  anywhere else; inside `[ ]` and `{ }` a space before it makes it a string again.
* inside `[ ]` and cell-literal `{ }`, whitespace separates elements (`[1 -2]` is two
  numbers, `[1 - 2]` one), so the lexer inserts the comma MATLAB implies, and a newline
  separates rows, so it becomes `;`. Index braces (`c{end+1}`) are not matrix context.
* `%` starts a comment, a line holding only `%{` opens a (nestable) block comment that a
  line holding only `%}` closes, and `...` continues the statement on the next line
  (the rest of its line is a comment).

Lines and columns are 1-based; a column counts characters, a tab being one.
The only exception that can leave this module is SpecError.
"""

import re
from dataclasses import dataclass

from ....errors import SpecError

# Keywords that shape blocks. The second group is MATLAB syntax parity refuses, named so
# the message can say which construct it met rather than "unexpected identifier".
KEYWORDS = frozenset(
    "function end if elseif else for switch case otherwise return break continue".split()
)
REFUSED_KEYWORDS = frozenset(
    "while try catch parfor global persistent classdef spmd".split()
)

SUBSET_HINT = "(parity reads the subset of MATLAB used by simplenn init files)"

# Longest first, so that `.*` wins over `.` and `==` over `=`.
_OPERATORS = (
    ".*", "./", ".\\", ".^", ".'", "==", "~=", "!=", "<=", ">=", "&&", "||",
    "+", "-", "*", "/", "\\", "^", "<", ">", "&", "|", "~", "!", "=",
    "(", ")", "[", "]", "{", "}", ",", ";", ":", ".",
)
_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eEdD][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_BLOCK_OPEN = re.compile(r"[ \t\f\v]*%\{[ \t\f\v]*$")
_BLOCK_CLOSE = re.compile(r"[ \t\f\v]*%\}[ \t\f\v]*$")


@dataclass(frozen=True, slots=True)
class Token:
    """kind is 'num', 'str', 'name', 'kw', 'op', 'nl' or 'eof'; value is the text or number."""

    kind: str
    value: object
    line: int
    col: int

    def is_op(self, *ops):
        return self.kind == "op" and self.value in ops

    def is_kw(self, *words):
        return self.kind == "kw" and self.value in words

    def describe(self):
        if self.kind == "eof":
            return "the end of the file"
        if self.kind == "nl":
            return "the end of the line"
        if self.kind == "str":
            return f"string {self.value!r}"
        if self.kind == "num":
            return f"number {self.value:g}"
        if self.kind == "name":
            return f"identifier '{self.value}'"
        return f"'{self.value}'"


def _ends_value(tok):
    """True when tok can end an operand: then `'` transposes and a space may separate."""
    if tok is None:
        return False
    if tok.kind in ("num", "str", "name"):
        return True
    return tok.is_op(")", "]", "}", "'", ".'") or tok.is_kw("end")


class _Lexer:
    def __init__(self, text, path):
        self.text = text
        self.path = path
        self.pos = 0
        self.line = 1
        self.line_start = 0
        self.tokens = []
        # Open brackets as (char, line, col); char '{i' marks an index brace.
        self.brackets = []
        self.space = False  # whitespace seen since the previous token

    def error(self, message, line=None, col=None, hint=None):
        if line is None:
            line, col = self.line, self.pos - self.line_start + 1
        return SpecError(message, path=self.path, line=line, col=col, hint=hint)

    def matrix_context(self):
        return bool(self.brackets) and self.brackets[-1][0] in ("[", "{")

    def emit(self, kind, value, col):
        self.tokens.append(Token(kind, value, self.line, col))
        self.space = False

    def prev(self):
        return self.tokens[-1] if self.tokens else None

    def run(self):
        self.skip_block_comments()
        text = self.text
        while self.pos < len(text):
            c = text[self.pos]
            col = self.pos - self.line_start + 1
            if c in " \t\f\v":
                self.space = True
                self.pos += 1
            elif c == "\n":
                self.newline(col)
            elif c == "%":
                self.skip_to_eol()
            elif text.startswith("...", self.pos):
                # A continuation: the rest of the line is a comment, the newline is not one.
                self.skip_to_eol()
                if self.pos < len(text):
                    self.pos += 1
                    self.start_line()
                self.space = True
            else:
                self.token(c, col)
        if self.brackets:
            char, line, col = self.brackets[-1]
            raise self.error(f"'{char[0]}' is never closed", line, col)
        self.emit("eof", None, self.pos - self.line_start + 1)
        return self.tokens

    def start_line(self):
        self.line += 1
        self.line_start = self.pos
        self.skip_block_comments()

    def newline(self, col):
        if self.matrix_context():
            self.emit("op", ";", col)  # a newline inside [ ] or { } ends a row
        else:
            self.emit("nl", None, col)
        self.pos += 1
        self.start_line()

    def skip_to_eol(self):
        end = self.text.find("\n", self.pos)
        self.pos = len(self.text) if end < 0 else end

    def current_line(self):
        end = self.text.find("\n", self.line_start)
        return self.text[self.line_start: len(self.text) if end < 0 else end]

    def skip_block_comments(self):
        """At a line start: skip `%{ ... %}` blocks, which may nest."""
        if not _BLOCK_OPEN.match(self.current_line()):
            return
        open_line, depth = self.line, 0
        while True:
            line = self.current_line()
            if _BLOCK_OPEN.match(line):
                depth += 1
            elif _BLOCK_CLOSE.match(line):
                depth -= 1
            self.skip_to_eol()
            if depth == 0 or self.pos >= len(self.text):
                break
            self.pos += 1
            self.line += 1
            self.line_start = self.pos
        if depth:
            raise self.error("block comment '%{' is never closed by a '%}' line", open_line, 1)

    def token(self, c, col):
        text = self.text
        space = self.space
        after_value = _ends_value(self.prev())
        in_matrix = self.matrix_context()
        if c == "'" and after_value and not (space and in_matrix):
            self.emit("op", "'", col)
            self.pos += 1
            return
        self.maybe_separate(c, col)
        if c in "'\"":
            self.string(c, col)
            return
        m = _NUMBER.match(text, self.pos)
        if m and (c.isdigit() or c == "."):
            literal = m.group().replace("d", "e").replace("D", "e")
            self.pos = m.end()
            if self.pos < len(text) and text[self.pos] in "ij" and not _NAME.match(
                text, self.pos + 1
            ):
                raise self.error(
                    "unsupported construct 'complex number'", self.line, col, hint=SUBSET_HINT
                )
            self.emit("num", float(literal), col)
            return
        m = _NAME.match(text, self.pos)
        if m:
            word = m.group()
            self.pos = m.end()
            if word in REFUSED_KEYWORDS:
                raise self.error(
                    f"unsupported construct '{word}'", self.line, col, hint=SUBSET_HINT
                )
            self.emit("kw" if word in KEYWORDS else "name", word, col)
            return
        if c == "@":
            raise self.error(
                "unsupported construct '@' (function handle)", self.line, col, hint=SUBSET_HINT
            )
        for op in _OPERATORS:
            if text.startswith(op, self.pos):
                break
        else:
            raise self.error(f"unexpected character {c!r}", self.line, col)
        self.pos += len(op)
        # `c{...}` indexes, but in `[a {1}]` the space makes `{1}` a cell literal
        self.bracket(op, col, index=after_value and not (space and in_matrix))
        self.emit("op", op, col)

    def maybe_separate(self, c, col):
        """Insert the comma that whitespace implies between two elements of [ ] or { }."""
        if not (self.space and self.matrix_context() and _ends_value(self.prev())):
            return
        text, nxt = self.text, self.text[self.pos + 1: self.pos + 2]
        starts_value = (
            c.isalnum() or c in "'\"([{@"
            or (c == "." and nxt.isdigit())
            or (c in "~!" and nxt != "=")
            # `[a -b]` is two elements, `[a - b]` and `[a -= b]` are not
            or (c in "+-" and nxt not in ("", " ", "\t", "=", "\n"))
        )
        if starts_value and not text.startswith("...", self.pos):
            self.emit("op", ",", col)

    def bracket(self, op, col, index):
        if op in "([{":
            kind = "{i" if op == "{" and index else op
            self.brackets.append((kind, self.line, col))
        elif op in ")]}":
            want = {")": "(", "]": "[", "}": "{"}[op]
            if not self.brackets or self.brackets[-1][0][0] != want:
                raise self.error(f"unmatched '{op}'", self.line, col)
            self.brackets.pop()

    def string(self, quote, col):
        text, i, parts = self.text, self.pos + 1, []
        while True:
            j = text.find(quote, i)
            nl = text.find("\n", i)
            if j < 0 or (0 <= nl < j):
                raise self.error("string is never closed on its line", self.line, col)
            parts.append(text[i:j])
            if text.startswith(quote * 2, j):  # '' inside '...' is one quote
                parts.append(quote)
                i = j + 2
                continue
            self.pos = j + 1
            break
        self.emit("str", "".join(parts), col)


def tokenize(text, path="<string>"):
    """The token list of text, ending with an 'eof' token."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]  # editors do not show the byte-order mark, so columns skip it
    return _Lexer(text, path).run()
