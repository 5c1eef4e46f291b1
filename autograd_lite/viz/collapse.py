"""Shrinking a `Graph` for drawing: one node per module, repeated chains folded, and a hard cap.

Each step rewrites the graph in O(nodes + edges) and records what it did in `graph.notes`,
which the drawing prints, so a collapsed picture always says that it is one.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable

from .graph import Edge, Graph, Node


def _rewire(graph: Graph, owner: dict[str, str], new_nodes: list[Node]) -> None:
    """Replace every node in `owner` by the node it maps to; drop internal and duplicate edges."""
    nodes = {k: n for k, n in graph.nodes.items() if k not in owner}
    for n in new_nodes:
        nodes[n.key] = n
    edges, seen = [], set()
    for e in graph.edges:
        src, dst = owner.get(e.src, e.src), owner.get(e.dst, e.dst)
        if src == dst:
            continue
        merged = src != e.src or dst != e.dst
        ident = (src, dst, None if merged else e.arg)
        if merged and ident in seen:
            continue
        seen.add(ident)
        edges.append(Edge(src, dst, None if merged else e.arg))
    graph.nodes, graph.edges = nodes, edges


def _absorb_leaves(graph: Graph, owner: dict[str, str], absorbable: Callable[[Node, str], bool]) -> None:
    """Leaves whose every consumer was collapsed into the same node join that node."""
    targets: dict[str, set[str]] = {}
    for e in graph.edges:
        if graph.nodes[e.src].kind in ("parameter", "constant", "input"):
            targets.setdefault(e.src, set()).add(owner.get(e.dst, "-"))
    for key, where in targets.items():
        node = graph.nodes[key]
        if len(where) == 1 and "-" not in where and not node.is_root and absorbable(node, next(iter(where))):
            owner[key] = next(iter(where))


def _shape(s: tuple | None) -> str:
    return "?" if s is None else "(" + ", ".join(map(str, s)) + ("," if len(s) == 1 else "") + ")"


def collapse_modules(graph: Graph, depth: bool | int = True, details: bool = True) -> None:
    """One node per module: ops recorded in module scope `scope[:depth]` (True: the innermost
    module) merge, with their outputs and the parameters only they use. Each node lists its ops,
    parameters and output shape (details=False: only `path (Class)`, for long models)."""
    groups: dict[tuple, list[Node]] = {}
    for node in graph.nodes.values():
        if node.kind in ("op", "tensor") and node.scope and not node.is_root:
            if depth is True or len(node.scope) >= depth:
                groups.setdefault(node.scope if depth is True else node.scope[:depth], []).append(node)
    if not groups:
        return
    owner: dict[str, str] = {}
    new_nodes = []
    paths: dict[str, str] = {}  # module node -> its module path
    for i, (scope, members) in enumerate(groups.items()):
        key = f"M{i}"
        path, cls = scope[-1]
        paths[key] = path
        module = Node(key, "module", path or cls, scope=scope[:-1])
        module.text = [f"{path} ({cls})" if path else cls]
        owner.update((m.key, key) for m in members)
        new_nodes.append(module)
    owner_scope = {m.key: m.scope for m in new_nodes}

    def absorbable(n: Node, module: str) -> bool:
        """Its parameters, and constants made inside it: scalars, unnamed ones, its buffers."""
        return n.kind == "parameter" or (n.kind == "constant" and (
            n.shape in ((), (1,)) or n.generated or bool(paths[module]) and n.name.startswith(paths[module] + ".")))
    _absorb_leaves(graph, owner, absorbable)
    for node in graph.nodes.values():
        if node.is_root and node.fn is not None and f"F{id(node.fn)}" in owner:
            node.scope = owner_scope[owner[f"F{id(node.fn)}"]]  # the output leaves the collapsed module
    cons = graph.consumers()
    for module in new_nodes if details else ():
        inside = [graph.nodes[k] for k, o in owner.items() if o == module.key][::-1]  # walk order is outputs first
        ops = Counter(n.name for n in inside if n.kind == "op")
        module.text.append(", ".join(f"{op}×{c}" if c > 1 else op for op, c in ops.items()))
        params = [f"{n.name} {_shape(n.shape)}" for n in inside
                  if n.kind == "parameter" or (n.kind == "constant" and not n.generated)]
        if params:
            module.text.extend(params)
        outs = [n for n in inside if n.kind == "tensor" and any(owner.get(e.dst) != module.key for e in cons[n.key])]
        if len(outs) == 1:
            module.text.append(f"out {_shape(outs[0].shape)}")
    graph.notes.append(f"{len(new_nodes)} modules drawn as one node each")
    _rewire(graph, owner, new_nodes)


def fold_chains(graph: Graph, keep: int = 2, min_length: int = 8) -> None:
    """Fold the middle of every long chain of ops (each feeding only the next, e.g. a loop
    body repeated many times) into one node naming the repeated ops and their count."""
    cons, prods = graph.consumers(), graph.producers()

    def next_op(op: Node) -> Node | None:
        outs = [graph.nodes[e.dst] for e in cons[op.key]]
        if len(outs) != 1 or outs[0].is_root or outs[0].kind != "tensor":
            return None
        users = [graph.nodes[e.dst] for e in cons[outs[0].key]]
        if len(users) != 1 or users[0].kind != "op":
            return None
        op_parents = [e for e in prods[users[0].key] if graph.nodes[e.src].kind == "tensor"]
        return users[0] if len(op_parents) == 1 else None

    successor = {k: next_op(n) for k, n in graph.nodes.items() if n.kind == "op"}
    has_pred = {s.key for s in successor.values() if s is not None}
    owner: dict[str, str] = {}
    new_nodes = []
    for key, node in graph.nodes.items():
        if node.kind != "op" or key in has_pred:
            continue
        chain, cur = [], node
        while cur is not None:
            chain.append(cur)
            cur = successor[cur.key]
        if len(chain) < min_length:
            continue
        middle = chain[keep:len(chain) - keep]
        fold = Node(f"R{len(new_nodes)}", "elided", "repeated", scope=())
        fold.text = [f"⋯ {len(middle)} ops folded ⋯", _pattern([n.name for n in middle])]
        new_nodes.append(fold)
        for op in middle:
            owner[op.key] = fold.key
            owner.update((e.dst, fold.key) for e in cons[op.key])
    if new_nodes:
        _absorb_leaves(graph, owner, lambda n, m: True)
        graph.notes.append(f"{len(new_nodes)} repeated chain(s) folded")
        _rewire(graph, owner, new_nodes)


def _pattern(names: list[str]) -> str:
    """'(mul → add → tanh) × 998' for a periodic sequence, else counts per op."""
    for period in range(1, min(8, len(names) // 2) + 1):
        if all(names[i] == names[i % period] for i in range(len(names))):
            reps, rest = divmod(len(names), period)
            return f"({' → '.join(names[:period])}) × {reps}" + (f" → {' → '.join(names[:rest])}" if rest else "")
    return ", ".join(f"{op}×{c}" for op, c in Counter(names).most_common(4))


def truncate(graph: Graph, max_nodes: int) -> None:
    """Keep the `max_nodes - 1` nodes nearest the outputs; the rest become one node saying so."""
    prods = graph.producers()
    order, seen = [], set(graph.roots)
    frontier = list(graph.roots)
    while frontier and len(order) < max_nodes - 1:
        nxt = []
        for k in frontier:
            if len(order) >= max_nodes - 1:
                break
            order.append(k)
            for e in prods[k]:
                if e.src not in seen:
                    seen.add(e.src)
                    nxt.append(e.src)
        frontier = nxt
    kept = set(order)
    dropped = [n for k, n in graph.nodes.items() if k not in kept]
    if not dropped:
        return
    ops = Counter(n.name for n in dropped if n.kind == "op")
    rest = Node("E0", "elided", "not drawn")
    rest.text = [f"⋯ {len(dropped)} more nodes not drawn ⋯",
                 ", ".join(f"{op}×{c}" for op, c in ops.most_common(4)),
                 f"raise max_nodes (now {max_nodes}) to draw them"]
    graph.notes.append(f"{len(dropped)} nodes beyond max_nodes={max_nodes} not drawn")
    _rewire(graph, {n.key: rest.key for n in dropped}, [rest])


def limit(graph: Graph, max_nodes: int | None) -> None:
    """Past `max_nodes`: collapse modules, then fold repeated chains, then cut."""
    if not max_nodes or len(graph.nodes) <= max_nodes:
        return
    total = len(graph.nodes)
    if any(n.scope for n in graph.nodes.values() if n.kind == "op"):
        collapse_modules(graph, True)
    if len(graph.nodes) > max_nodes:
        fold_chains(graph)
    if len(graph.nodes) > max_nodes:
        truncate(graph, max_nodes)
    graph.notes.insert(0, f"{total} nodes > max_nodes={max_nodes}: collapsed to {len(graph.nodes)}")
