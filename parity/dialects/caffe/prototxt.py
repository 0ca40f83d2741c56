"""Protobuf text format, as Caffe's .prototxt nets and solvers are written in it.

Pure Python and schema-free: `parse` turns text into a tree of `Message`s that keep every
field in file order with its line and column, so later stages (schema.validate, the net
builder) can point at the exact spot of a problem. It follows the grammar of protobuf's
own tokenizer and `TextFormat::Parse` (which Caffe's ReadProtoFromTextFile calls) for the
subset Caffe files use, and rejects the rest with a SpecError naming line:col.

The only exception that can leave this module is SpecError: the input may be any string.
"""

import bisect
import re
from dataclasses import dataclass

from ...errors import SpecError

# Deeper than any real net (layer > *_param > filler is 3); the cap keeps hostile input
# from reaching Python's recursion limit. Protobuf's own parser caps at 100 too.
MAX_DEPTH = 100


class Enum(str):
    """A bare identifier value (MAX, CEIL, GPU), kept distinct from a quoted string."""

    __slots__ = ()

    def __repr__(self):
        return f"Enum({str.__repr__(self)})"


@dataclass(frozen=True, slots=True)
class Field:
    """One `name: value` or `name { ... }` entry; line/col are the name's, 1-based.

    value_line/value_col locate the value itself (the '{' for a block), so a bad value
    can be pointed at exactly rather than at its field name.
    """

    name: str
    value: object
    line: int
    col: int
    value_line: int = 0
    value_col: int = 0


class Message:
    """An ordered list of fields; a name may occur many times (repeated fields)."""

    __slots__ = ("_fields", "line", "col")

    def __init__(self, fields=(), line=1, col=1):
        self._fields = list(fields)
        self.line = line
        self.col = col

    @property
    def fields(self):
        return tuple(self._fields)

    def __iter__(self):
        return iter(tuple(self._fields))

    def __len__(self):
        return len(self._fields)

    def __repr__(self):
        inner = ", ".join(f"{f.name}={f.value!r}" for f in self._fields)
        return f"Message({inner})"

    def names(self):
        """Distinct field names, in order of first appearance."""
        return list(dict.fromkeys(f.name for f in self._fields))

    def get(self, name, default=None):
        """The field's value; the last occurrence wins, as protobuf merges scalars."""
        for f in reversed(self._fields):
            if f.name == name:
                return f.value
        return default

    def get_all(self, name):
        return [f.value for f in self._fields if f.name == name]

    def has(self, name):
        return any(f.name == name for f in self._fields)

    def where(self, name):
        """(line, col) of the first occurrence; the message's own position if absent,
        so an error about a missing field still points at the block that lacks it."""
        for f in self._fields:
            if f.name == name:
                return (f.line, f.col)
        return (self.line, self.col)

    def _set_value(self, index, value):
        # For schema.validate's canonicalisation only (e.g. int 1 in a float field -> 1.0).
        f = self._fields[index]
        self._fields[index] = Field(f.name, value, f.line, f.col, f.value_line, f.value_col)


def parse(text, path="<string>"):
    """Parse protobuf text into the root Message; raise SpecError on any malformation."""
    if not isinstance(text, str):
        raise SpecError(f"expected text, found {type(text).__name__}", path=path)
    return _Parser(text, path).parse_root()


def parse_file(path):
    """Read a .prototxt file, rejecting bytes that cannot be text, then parse it."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as err:
        raise SpecError(f"cannot read the file: {err.strerror or err}", path=str(path)) from None
    bad, what = _first_bad_byte(data)
    if bad is not None:
        line_start = data.rfind(b"\n", 0, bad) + 1
        col = len(data[line_start:bad].decode("utf-8")) + 1
        raise SpecError(f"expected UTF-8 text, found {what}", path=str(path),
                        line=data.count(b"\n", 0, bad) + 1, col=col,
                        hint="(is this a binary .caffemodel or .binaryproto instead of a .prototxt?)")
    return parse(data.decode("utf-8"), str(path))


def _first_bad_byte(data):
    nul = data.find(b"\0")
    try:
        data.decode("utf-8")
        bad_utf8 = None
    except UnicodeDecodeError as err:
        bad_utf8 = err.start
    if nul != -1 and (bad_utf8 is None or nul < bad_utf8):
        return nul, "a NUL byte"
    if bad_utf8 is not None:
        return bad_utf8, f"byte 0x{data[bad_utf8]:02x}, which is not valid UTF-8"
    return None, None


# --- tokens -------------------------------------------------------------------------------

# Whitespace is protobuf's set; '#' starts a comment (protobuf's SH_COMMENT_STYLE).
_SKIP = re.compile(r"(?:[ \t\r\n\v\f]|#[^\n]*)*")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"0[xX][0-9A-Fa-f]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fF]?")
# No newline inside a literal, as in protobuf; a failed match means unterminated.
_STRING = {'"': re.compile(r'"(?:[^"\\\n]|\\.)*"'), "'": re.compile(r"'(?:[^'\\\n]|\\.)*'")}
_SYMBOLS = frozenset("{}:;,-[]<>")
# protobuf demands a break after a number: "5x" or "1.2.3" is an error, not two tokens.
_GLUED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.")
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
_SIMPLE_ESCAPES = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11,
                   "\\": 92, "?": 63, "'": 39, '"': 34}
_FLOAT_WORDS = {"inf": float("inf"), "infinity": float("inf"), "nan": float("nan")}
_BOOL_WORDS = {"true": True, "True": True, "false": False, "False": False}
_INT_LIMIT = 2**64 - 1  # protobuf reads integers as uint64 before narrowing to the field


class _Token:
    __slots__ = ("kind", "text", "pos")

    def __init__(self, kind, text, pos):
        self.kind, self.text, self.pos = kind, text, pos

    def is_symbol(self, ch):
        return self.kind == "symbol" and self.text == ch

    def describe(self):
        if self.kind == "eof":
            return "end of file"
        if self.kind == "string":
            return f"string {_clip(self.text)}"
        if self.kind == "number":
            return f"number {self.text}"
        return f"'{_clip(self.text)}'"


def _clip(s, n=30):
    return s if len(s) <= n else s[: n - 3] + "..."


class _Parser:
    def __init__(self, text, path):
        self.text = text
        self.path = path
        self.pos = 0
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.tok = self._lex()

    # positions and errors

    def where(self, pos):
        line = bisect.bisect_right(self.line_starts, pos)
        return line, pos - self.line_starts[line - 1] + 1

    def fail(self, pos, message, hint=None):
        line, col = self.where(pos)
        raise SpecError(message, path=self.path, line=line, col=col, hint=hint)

    # lexer: one token of lookahead, produced lazily so the first error in the file wins

    def _lex(self):
        text = self.text
        pos = _SKIP.match(text, self.pos).end()
        if pos >= len(text):
            self.pos = pos
            return _Token("eof", "", pos)
        ch = text[pos]
        if ch in _SYMBOLS:
            self.pos = pos + 1
            return _Token("symbol", ch, pos)
        m = _IDENT.match(text, pos)
        if m:
            self.pos = m.end()
            return _Token("ident", m.group(), pos)
        m = _NUMBER.match(text, pos)
        if m:
            end = m.end()
            if end < len(text) and text[end] in _GLUED:
                self.fail(pos, f"malformed number {_clip(text[pos:end + 1])!r}: "
                               "a number must be followed by a space or separator")
            self.pos = end
            return _Token("number", m.group(), pos)
        if ch in _STRING:
            m = _STRING[ch].match(text, pos)
            if not m:
                self.fail(pos, "unterminated string: expected a closing " + ch +
                               " before the end of the line")
            self.pos = m.end()
            return _Token("string", m.group(), pos)
        self.fail(pos, _describe_char(ch))

    def advance(self):
        tok = self.tok
        self.tok = self._lex()
        return tok

    # grammar

    def parse_root(self):
        root = Message(line=1, col=1)
        self.parse_fields(root, opener=None, depth=0)
        return root

    def parse_fields(self, msg, opener, depth):
        """Fields up to the '}' that closes `opener` (name, '{' token), or to EOF at top."""
        while True:
            tok = self.tok
            if tok.kind == "eof":
                if opener is not None:
                    name, brace = opener
                    line, _ = self.where(brace.pos)
                    self.fail(tok.pos, f"expected '}}' to close '{name}' opened at line {line}, "
                                       f"found end of file")
                return
            if tok.is_symbol("}"):
                if opener is None:
                    self.fail(tok.pos, "expected a field name, found '}' with no open block")
                self.advance()
                return
            if tok.kind != "ident":
                self.fail(tok.pos, f"expected a field name, found {tok.describe()}")
            msg._fields.append(self.parse_field(depth))
            if self.tok.is_symbol(";") or self.tok.is_symbol(","):
                self.advance()

    def parse_field(self, depth):
        name_tok = self.advance()
        name = name_tok.text
        line, col = self.where(name_tok.pos)
        colon = self.tok.is_symbol(":")
        if colon:
            self.advance()
        tok = self.tok
        if tok.is_symbol("{"):
            if depth >= MAX_DEPTH:
                self.fail(tok.pos, f"blocks nested more than {MAX_DEPTH} deep")
            self.advance()
            vline, vcol = self.where(tok.pos)
            child = Message(line=vline, col=vcol)
            self.parse_fields(child, opener=(name, tok), depth=depth + 1)
            return Field(name, child, line, col, vline, vcol)
        if not colon:
            self.fail(tok.pos, f"expected ':' or '{{' after field name '{name}', "
                               f"found {tok.describe()}")
        vline, vcol = self.where(tok.pos)
        return Field(name, self.parse_scalar(name), line, col, vline, vcol)

    def parse_scalar(self, name):
        tok = self.tok
        if tok.kind == "string":
            parts = []
            while self.tok.kind == "string":  # adjacent literals concatenate, as in C
                parts.append(self.advance())
            return "".join(self.decode_string(t) for t in parts)
        if tok.kind == "number":
            return self.number(self.advance(), negative=False)
        if tok.kind == "ident":
            self.advance()
            if tok.text in _BOOL_WORDS:
                return _BOOL_WORDS[tok.text]
            if tok.text.lower() in _FLOAT_WORDS:
                return _FLOAT_WORDS[tok.text.lower()]
            return Enum(tok.text)
        if tok.is_symbol("-"):
            self.advance()
            nxt = self.tok
            if nxt.kind == "number":
                return self.number(self.advance(), negative=True)
            if nxt.kind == "ident" and nxt.text.lower() in _FLOAT_WORDS:
                self.advance()
                return -_FLOAT_WORDS[nxt.text.lower()]
            self.fail(nxt.pos, f"expected a number after '-', found {nxt.describe()}")
        if tok.is_symbol("["):
            self.fail(tok.pos, f"expected a value for '{name}', found '['",
                      hint=f"(list syntax is not supported; repeat the field: "
                           f"'{name}: 1 {name}: 2')")
        if tok.is_symbol("<"):
            self.fail(tok.pos, f"expected a value for '{name}', found '<'",
                      hint="(write nested messages with '{ ... }')")
        self.fail(tok.pos, f"expected a value for '{name}', found {tok.describe()}")

    def number(self, tok, negative):
        text = tok.text
        is_hex = text[:2] in ("0x", "0X")
        if not is_hex and (any(c in text for c in ".eE") or text[-1] in "fF"):
            if len(text) > 1 and text[0] == "0" and text[1].isdigit():
                self.fail(tok.pos, f"malformed number {_clip(text)!r}: a leading zero means octal")
            value = float(text.rstrip("fF"))
            return -value if negative else value
        if len(text) > 30:  # far past uint64; also keeps int() clear of its digit limit
            self.fail(tok.pos, f"integer {_clip(text)} is out of range")
        if is_hex:
            value = int(text, 16)
        elif len(text) > 1 and text[0] == "0":
            if any(c in "89" for c in text):
                self.fail(tok.pos, f"malformed number {text!r}: a leading zero means octal, "
                                   "which has no digits 8 or 9")
            value = int(text, 8)
        else:
            value = int(text)
        if value > (2**63 if negative else _INT_LIMIT):
            self.fail(tok.pos, f"integer {'-' if negative else ''}{_clip(text)} is out of range")
        return -value if negative else value

    def decode_string(self, tok):
        body = tok.text[1:-1]
        out = bytearray()
        last = 0
        for m in _ESCAPE.finditer(body):
            out += body[last:m.start()].encode("utf-8", "surrogatepass")
            last = m.end()
            octal, hex2, u4, u8, other = m.groups()
            if octal is not None:
                code = int(octal, 8)
                if code > 255:
                    self.fail(tok.pos + 1 + m.start(), f"octal escape \\{octal} in string is over \\377")
                out.append(code)
            elif hex2 is not None:
                out.append(int(hex2, 16))
            elif u4 is not None or u8 is not None:
                code = int(u4 or u8, 16)
                if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                    self.fail(tok.pos + 1 + m.start(), f"escape \\{'u' if u4 else 'U'}{u4 or u8} in string "
                                       "is not a valid code point")
                out += chr(code).encode("utf-8")
            elif other in _SIMPLE_ESCAPES:
                out.append(_SIMPLE_ESCAPES[other])
            else:
                shown = other if other.isprintable() else _describe_char(other, bare=True)
                self.fail(tok.pos + 1 + m.start(), f"invalid escape '\\{shown}' in string")
        out += body[last:].encode("utf-8", "surrogatepass")
        try:
            return out.decode("utf-8")
        except UnicodeDecodeError:
            self.fail(tok.pos, "string is not valid UTF-8 once its escapes are decoded")


def _describe_char(ch, bare=False):
    if ch == "\0":
        text = "NUL byte"
    elif ch == "\ufeff":
        text = "byte-order mark U+FEFF"
    elif ch.isprintable() and ch != " ":
        text = repr(ch)
    else:
        text = f"U+{ord(ch):04X}"
    return text if bare else f"unexpected character: {text}"
