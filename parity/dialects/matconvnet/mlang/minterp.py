"""The tree-walking interpreter behind `meval`: calls, statements, assignment, expressions.

MATLAB semantics where the subset needs them: values are copies (assignment builds new
containers along the assigned path), `end` means the extent of what is being indexed,
`c{:}` expands into several arguments or elements, sub-functions shadow builtins, and
`&&`/`||` short-circuit. Every SpecError leaving here carries the path, line and column
of the innermost node being run when it was raised.
"""

from ....errors import SpecError
from . import mast as A
from . import mindex, mops
from .mbuiltins import REFUSED
from .mfuncs import BUILTINS  # the whole table: mfuncs adds its functions to mbuiltins'
from .mlex import SUBSET_HINT
from .mvalues import MCell, MStruct, describe, is_numeric, scalar, text, to_array, truth

MAX_STEPS = 100_000  # statements run plus loop turns
MAX_CALL_DEPTH = 32
MAX_EVAL_DEPTH = 200  # nested statements and expressions, all calls together


class _Return(Exception):
    pass


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _Frame:
    __slots__ = ("vars", "nargin")

    def __init__(self, vars, nargin):
        self.vars = vars
        self.nargin = nargin


def _locate(err, node, path):
    """Give an error raised below the evaluator the position of the node being run."""
    if err.line is None:
        err.path, err.line, err.col = path, node.line, node.col
    return err


class Interpreter:
    def __init__(self, module):
        self.module = module
        self.path = module.path
        self.steps = 0
        self.depth = 0
        self.calls = 0
        self.argparse_calls = 0  # so that options nobody parses can be reported
        self.functions = {fn.name: fn for fn in module.functions}
        self.frame = _Frame({}, 0)
        self.ends = []  # (value, k, n) of the indexes being evaluated, innermost last

    def charge(self):
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise SpecError(f"the file runs more than {MAX_STEPS} steps; parity stops here "
                            f"(a loop that does not end?)")

    def _deeper(self):
        self.depth += 1
        if self.depth > MAX_EVAL_DEPTH:
            raise SpecError(f"evaluation nested more than {MAX_EVAL_DEPTH} levels deep")

    # --- calls --------------------------------------------------------------------

    def call_user(self, fn, args, nargout):
        params = fn.params
        varargin = bool(params) and params[-1] == "varargin"
        fixed = params[:-1] if varargin else params
        if len(args) > len(fixed) and not varargin:
            raise SpecError(f"'{fn.name}' takes {len(fixed)} arguments, given {len(args)}")
        if nargout > len(fn.outputs):
            raise SpecError(f"'{fn.name}' has {len(fn.outputs)} outputs, {nargout} requested")
        if self.calls >= MAX_CALL_DEPTH:
            raise SpecError(f"calls nest more than {MAX_CALL_DEPTH} deep (endless recursion?)")
        frame = _Frame({n: v for n, v in zip(fixed, args) if n != "~"}, len(args))
        if varargin:
            frame.vars["varargin"] = MCell(args[len(fixed):])
        saved, self.frame = self.frame, frame
        self.calls += 1
        try:
            self.exec_block(fn.body)
        except _Return:
            pass
        finally:
            self.frame = saved
            self.calls -= 1
        outs = []
        for name in fn.outputs[: max(nargout, 1)]:
            if name == "varargout":
                raise SpecError("unsupported construct 'varargout'", hint=SUBSET_HINT)
            if name not in frame.vars:
                if nargout == 0:
                    break
                raise SpecError(f"'{fn.name}' does not set its output '{name}'")
            outs.append(frame.vars[name])
        return outs

    def call(self, name, args, nargout, node):
        try:
            if name == "nargin" and not args:
                outs = [float(self.frame.nargin)]
            elif name in self.functions:  # a file's own functions shadow builtins
                outs = self.call_user(self.functions[name], args, nargout)
            elif name in BUILTINS:
                outs = BUILTINS[name](self, args, nargout)[: max(nargout, 1)]
            elif name in REFUSED:
                raise SpecError(f"unsupported construct '{name}'", hint=SUBSET_HINT)
            else:
                raise SpecError(f"unknown function or variable '{name}'", hint=SUBSET_HINT)
            if nargout >= 1 and not outs:
                raise SpecError(f"'{name}' returns no value")
            return outs
        except SpecError as e:
            _locate(e, node, self.path)
            raise

    # --- statements ---------------------------------------------------------------

    def exec_block(self, body):
        for stmt in body:
            self.exec_stmt(stmt)

    def exec_stmt(self, stmt):
        self.charge()
        self._deeper()
        try:
            getattr(self, "_exec_" + type(stmt).__name__)(stmt)
        except SpecError as e:
            _locate(e, stmt, self.path)
            raise
        finally:
            self.depth -= 1

    def _exec_Assign(self, stmt):
        targets = stmt.targets
        if len(targets) == 1:
            self.assign(targets[0], self.eval(stmt.value))
            return
        values = self.eval_multi(stmt.value, nargout=len(targets))
        if len(values) < len(targets):
            raise SpecError(f"{len(targets)} outputs but the right side gives {len(values)}")
        for target, value in zip(targets, values):
            if not isinstance(target, A.Tilde):
                self.assign(target, value)

    def _exec_ExprStmt(self, stmt):
        self.eval_multi(stmt.expr, nargout=0)

    def _exec_If(self, stmt):
        for cond, body in stmt.clauses:
            if self.test(cond):
                self.exec_block(body)
                return
        if stmt.orelse is not None:
            self.exec_block(stmt.orelse)

    def _exec_For(self, stmt):
        for value in self.iterate(stmt.iterable):
            self.charge()
            self.frame.vars[stmt.var] = value
            try:
                self.exec_block(stmt.body)
            except _Break:
                break
            except _Continue:
                continue

    def _exec_Switch(self, stmt):
        subject = self.eval(stmt.subject)
        if not (isinstance(subject, str) or (is_numeric(subject) and to_array(subject).size == 1)):
            raise _locate(SpecError(f"switch needs text or a number, got a {describe(subject)}"),
                          stmt.subject, self.path)
        for value_node, body in stmt.cases:
            value = self.eval(value_node)
            for option in value if isinstance(value, MCell) else [value]:
                if mops.switch_matches(subject, option):
                    self.exec_block(body)
                    return
        if stmt.otherwise is not None:
            self.exec_block(stmt.otherwise)

    def _exec_Return(self, stmt):
        raise _Return()

    def _exec_Break(self, stmt):
        raise _Break()

    def _exec_Continue(self, stmt):
        raise _Continue()

    def test(self, node):
        try:
            return truth(self.eval(node))
        except SpecError as e:
            _locate(e, node, self.path)
            raise

    def iterate(self, node):
        """The values a `for` takes: each column of its value; ranges are never built."""
        if isinstance(node, A.Range):
            start = scalar(self.eval(node.start), "a range bound")
            step = 1.0 if node.step is None else scalar(self.eval(node.step), "a range step")
            stop = scalar(self.eval(node.stop), "a range bound")
            try:
                count = mops.colon_count(start, step, stop)
            except SpecError as e:
                _locate(e, node, self.path)
                raise
            return (start + i * step for i in range(count))
        try:
            return mops.loop_values(self.eval(node))
        except SpecError as e:
            _locate(e, node, self.path)
            raise

    # --- assignment ---------------------------------------------------------------

    def assign(self, target, value):
        chain, node = [], target
        while not isinstance(node, A.Name):
            chain.append(node)
            node = node.base
        chain.reverse()
        variables = self.frame.vars
        variables[node.name] = self._assign_into(variables.get(node.name), chain, value)

    def _assign_into(self, cur, chain, rhs):
        if not chain:
            return rhs
        node, rest = chain[0], chain[1:]
        try:
            if isinstance(node, (A.Field, A.DynField)):
                name = node.name if isinstance(node, A.Field) else self.field_name(node)
                s = mindex.struct_for_field(cur, name)
                s[name] = self._assign_into(s.get(name), rest, rhs)
                return s
            args = self.eval_args(node.args, cur)
            if node.brace:
                cell, p = mindex.cell_slot(cur, args)
                cell[p] = self._assign_into(cell[p], rest, rhs)
                return cell
            if rest:
                mindex.check_struct_index(cur, args)
                return self._assign_into(cur, rest, rhs)
            return mindex.assign_paren(cur, args, rhs)
        except SpecError as e:
            _locate(e, node, self.path)
            raise

    # --- expressions --------------------------------------------------------------

    def eval(self, node):
        """The single value of an expression."""
        self._deeper()
        try:
            kind = type(node)
            if kind is A.Num or kind is A.Str:
                return node.value
            if kind in (A.Name, A.Index, A.Field, A.DynField):
                values = self.ref(node, 1)
                if len(values) != 1:
                    raise SpecError(f"{len(values)} values where one is expected")
                return values[0]
            return getattr(self, "_eval_" + kind.__name__)(node)
        except SpecError as e:
            _locate(e, node, self.path)
            raise
        finally:
            self.depth -= 1

    def eval_multi(self, node, nargout=1):
        """The values of an expression that may give several: `c{:}`, `[a, b] = f(...)`."""
        if isinstance(node, (A.Name, A.Index, A.Field, A.DynField)):
            self._deeper()
            try:
                return self.ref(node, nargout)
            except SpecError as e:
                _locate(e, node, self.path)
                raise
            finally:
                self.depth -= 1
        return [self.eval(node)]

    def ref(self, node, nargout):
        variables = self.frame.vars
        if isinstance(node, A.Name):
            if node.name in variables:
                return [variables[node.name]]
            return self.call(node.name, [], nargout, node)
        if isinstance(node, A.Index):
            base = node.base
            if isinstance(base, A.Name) and base.name not in variables:
                if node.brace:
                    raise _locate(SpecError(f"unknown variable '{base.name}'"), base, self.path)
                return self.call(base.name, self.eval_args(node.args, None, call=True), nargout,
                                 base)
            value = self.eval(base)
            return mindex.index(value, node.brace, self.eval_args(node.args, value))
        value = self.eval(node.base)
        name = node.name if isinstance(node, A.Field) else self.field_name(node)
        if not isinstance(value, MStruct):
            raise SpecError(f"cannot read field '{name}' of a {describe(value)}")
        if name not in value:
            fields = ", ".join(value) or "none"
            raise SpecError(f"the struct has no field '{name}' (its fields: {fields})")
        return [value[name]]

    def field_name(self, node):
        return text(self.eval(node.expr), "a dynamic field name")

    def eval_args(self, nodes, value, call=False):
        """Arguments of an index into value (None: not yet assigned) or of a call."""
        args = []
        for k, node in enumerate(nodes):
            if isinstance(node, A.Colon):
                args.append(mindex.COLON)
            elif call:  # `x(min(end, 3))`: an `end` in a call's arguments is x's
                args.extend(self.eval_multi(node))
            else:
                self.ends.append((value, k, len(nodes)))
                try:
                    args.extend(self.eval_multi(node))
                finally:
                    self.ends.pop()
        return args

    def _eval_End(self, node):
        if not self.ends:
            raise SpecError("'end' is only meaningful inside an index of a variable")
        value, k, n = self.ends[-1]
        return mindex.end_value(value, k, n)

    def _eval_Colon(self, node):
        raise SpecError("':' alone is only meaningful as an index")

    def _eval_Unary(self, node):
        return mops.unary(node.op, self.eval(node.operand))

    def _eval_Binary(self, node):
        if node.op in ("&&", "||"):
            left = self._logical_scalar(node.left, node.op)
            if left == (node.op == "||"):
                return left
            return self._logical_scalar(node.right, node.op)
        return mops.binary(node.op, self.eval(node.left), self.eval(node.right))

    def _logical_scalar(self, node, op):
        value = self.eval(node)
        if isinstance(value, str) or not is_numeric(value) or to_array(value).size != 1:
            raise _locate(SpecError(f"the operands of '{op}' must be single logical values, "
                                    f"got a {describe(value)}"), node, self.path)
        return truth(value)

    def _eval_Transpose(self, node):
        return mops.transpose(self.eval(node.operand))

    def _eval_Range(self, node):
        step = None if node.step is None else self.eval(node.step)
        return mops.colon(self.eval(node.start), step, self.eval(node.stop))

    def _eval_Matrix(self, node):
        return mops.concat(self._rows(node.rows))

    def _eval_CellLit(self, node):
        return mops.concat(self._rows(node.rows), cell=True)

    def _rows(self, rows):
        return [[v for e in row for v in self.eval_multi(e)] for row in rows]

