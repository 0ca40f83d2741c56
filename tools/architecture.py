"""Measure the shape of parity's import graph: the figures the architecture issue asks for.

    python tools/architecture.py [--verbose]

Reads every module under parity/ with the ast module, imports written inside functions included, and
prints three counts: import cycles between modules, imports between parity.dialects and parity.engines
(either direction), and private names (`_x`) of one package used from another. Exit 1 when any is not 0.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "parity"


def module_name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules():
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def resolve(current, is_package, level, target):
    """The absolute module a `from ... import` names, relative levels resolved."""
    if level == 0:
        return target
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def imports(known):
    """{module: [(imported module, [names], lineno)]} for every import in parity/, nested ones included."""
    found = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text(), str(path))
        is_package = path.name == "__init__.py"
        edges = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                edges += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("parity")]
            elif isinstance(node, ast.ImportFrom):
                target = resolve(name, is_package, node.level, node.module)
                if not target.startswith("parity"):
                    continue
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    if sub in known:  # `from . import x` imports the module x
                        edges.append((sub, [], node.lineno))
                    else:
                        edges.append((target, [alias.name], node.lineno))
        found[name] = edges
    return found


def package_of(module):
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else parts[0]


def cycles(graph):
    """Strongly connected components of more than one module (Tarjan), each a cycle to break."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def private_uses(known, found):
    """(module, other package's module, name) for every `_name` reached across packages."""
    uses = []
    for name, edges in found.items():
        for target, names, line in edges:
            if package_of(target) == package_of(name):
                continue
            uses += [(name, target, n, line) for n in names if n.startswith("_") and not n.startswith("__")]
    # attribute access on an imported module: `module._name`
    for name, path in known.items():
        tree = ast.parse(path.read_text(), str(path))
        aliases = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = resolve(name, path.name == "__init__.py", node.level, node.module)
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    if sub in known:
                        aliases[alias.asname or alias.name] = sub
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")
                    and package_of(aliases[node.value.id]) != package_of(name)):
                uses.append((name, aliases[node.value.id], node.attr, node.lineno))
    return uses


def measure():
    known = modules()
    found = imports(known)
    graph = {m: sorted({t if t in known else t.rpartition(".")[0] for t, _, _ in e} - {m}) for m, e in found.items()}
    graph = {m: [t for t in ts if t in known] for m, ts in graph.items()}
    crossing = [(m, t, line) for m, edges in found.items() for t, _, line in edges
                if {package_of(m), package_of(t)} == {"parity.dialects", "parity.engines"}]
    return cycles(graph), crossing, private_uses(known, found)


def main(argv):
    loops, crossing, private = measure()
    print(f"import cycles: {len(loops)}")
    print(f"imports between dialects and engines: {len(crossing)}")
    print(f"private names used across packages: {len(private)}")
    if "--verbose" in argv:
        for loop in loops:
            print("  cycle:", " -> ".join(loop))
        for m, t, line in crossing:
            print(f"  crossing: {m}:{line} -> {t}")
        for m, t, n, line in private:
            print(f"  private: {m}:{line} uses {t}.{n}")
    return 1 if (loops or crossing or private) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
