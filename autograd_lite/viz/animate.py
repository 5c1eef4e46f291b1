"""`animate_backward`: backpropagation step by step, as a self-contained HTML page.

    al.viz.animate_backward(loss, "backprop.html")   # previous / next buttons and a slider

Step 0 starts from ∂L/∂L = 1; each later step runs one op's backward: the op is highlighted,
its edges show their chain-rule steps, and its inputs' gradients fill in (partial sums while a
tensor used several times is still waiting for its other paths, which meet in its "+" node).
The page holds one Graphviz SVG (laid out once) and the steps as JSON: no network needed.
`Animation.save_frames(folder)` writes each step as a PNG (or all as one GIF) for slides.
"""
from __future__ import annotations

import html as html_lib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..grad_mode import no_grad
from ..tensor import Tensor
from . import values
from .dot import FONT, _Writer, choose_rankdir
from .graph import Graph, build, grad_expr, role
from .latex import _order, _substitute
from .style import clean, summary


@dataclass
class Step:
    """One frame: what is highlighted, what it computes, and every gradient known so far."""

    title: str
    active: list[str]  # node keys highlighted: the op, the tensor whose gradient G it uses, the receivers
    edges: list[str]  # SVG edge titles ("src->dst") carrying this step's contributions
    lines: list[str]  # the chain-rule steps with their values
    grads: dict[str, np.ndarray] = field(default_factory=dict)  # node key -> gradient so far


def _one_line(a: np.ndarray, max_values: int) -> str:
    return "".join(summary(a, max_values)) if np.asarray(a).ndim == 2 else " ".join(summary(a, max_values))


def _simulate(graph: Graph, root: Tensor) -> list[Step]:
    """Replay backward op by op on the live graph, keeping each tensor's partial gradient."""
    prods, cons = graph.producers(), graph.consumers()
    uses: dict[str, int] = {}
    for e in graph.edges:
        if e.arg is not None:
            uses[e.src] = uses.get(e.src, 0) + 1
    root_key = graph.roots[0]
    name = {k: n.name for k, n in graph.nodes.items()}
    acc: dict[str, np.ndarray] = {root_key: np.ones(root.shape, dtype=root.dtype)}
    got: dict[str, int] = {}
    steps = [Step(f"start: ∂L/∂{name[root_key]} = 1", [root_key], [],
                  [f"∂L/∂{name[root_key]} = 1 (L is the output {name[root_key]}: its gradient with respect to itself)"], dict(acc))]
    for op_key in _order(graph):
        fn = graph.nodes[op_key].fn
        out_key = cons[op_key][0].dst
        G = acc[out_key]
        with no_grad():
            grads = fn.backward(Tensor._make(G))
        grads = grads if isinstance(grads, tuple) else (grads,)
        ins = sorted((e for e in prods[op_key] if e.arg is not None), key=lambda e: e.arg)
        roles = {role(e.arg): name[e.src] for e in ins}
        roles["G"] = f"∂L/∂{name[out_key]}"
        active, edges, lines = [op_key, out_key], [f"{op_key}->{out_key}"], [f"G = ∂L/∂{name[out_key]} = {_one_line(G, 6)}"]
        for e in ins:
            node = graph.nodes[e.src]
            gi = grads[e.arg] if e.arg < len(grads) else None
            if node.kind == "constant" or gi is None:
                continue
            with no_grad():
                arr = (gi.sum_to_size(node.shape) if gi.shape != node.shape else gi).data
            formula = "".join(p if isinstance(p, str) else p[1] for p in _substitute(grad_expr(fn, e.arg), roles))
            again = e.src in acc
            acc[e.src] = acc[e.src] + arr if again else np.array(arr)
            got[e.src] = got.get(e.src, 0) + 1
            active.append(e.src)
            if uses[e.src] > 1:
                edges.append(f"S{e.src}->{op_key}")
                path = f"path {got[e.src]} of {uses[e.src]}"
                lines.append(f"∂L/∂{name[e.src]} += {formula} = {_one_line(arr, 6)}   ({path})")
                if got[e.src] == uses[e.src]:  # the last path arrived: the "+" node's sum is complete
                    active.append(f"S{e.src}")
                    edges.append(f"{e.src}->S{e.src}")
                    lines.append(f"+ node: ∂L/∂{name[e.src]} = sum of its {uses[e.src]} paths = "
                                 f"{_one_line(acc[e.src], 6)}")
            else:
                edges.append(f"{e.src}->{op_key}")
                lines.append(f"∂L/∂{name[e.src]} = {formula} = {_one_line(arr, 6)}")
        title = f"{graph.nodes[op_key].name}: backward of {name[out_key]} = {getattr(fn, 'expr', '') or fn.name}"
        steps.append(Step(title, active, edges, lines, dict(acc)))
    return steps


class Animation:
    """The steps of one backward pass and their page; shows inline in Jupyter."""

    def __init__(self, graph: Graph, steps: list[Step], svg: str, max_values: int, rankdir: str) -> None:
        self.graph, self.steps, self.svg = graph, steps, svg
        self.max_values, self.rankdir = max_values, rankdir

    def grad_texts(self, step: int) -> dict[str, str]:
        """One-line gradient text of every tensor node at `step` ("?" where none arrived yet)."""
        known = self.steps[step].grads
        return {k: (_one_line(known[k], self.max_values) if k in known else "?")
                for k, n in self.graph.nodes.items() if n.is_tensor and n.kind != "constant"}

    def data(self) -> dict[str, Any]:
        """What the page's script reads: node names, and per step its highlights, text and gradients."""
        return {"names": {k: n.name for k, n in self.graph.nodes.items() if n.is_tensor},
                "steps": [{"title": clean(s.title), "active": s.active, "edges": s.edges,
                           "lines": [clean(t) for t in s.lines], "grads": self.grad_texts(i),
                           "values": {k: np.asarray(v).tolist() for k, v in s.grads.items()}}
                          for i, s in enumerate(self.steps)]}

    def html(self) -> str:
        """The self-contained page: inline SVG, CSS and script, nothing fetched."""
        payload = json.dumps(self.data()).replace("</", "<\\/")
        return _PAGE.format(font=FONT, svg=self.svg, steps=payload, last=len(self.steps) - 1)

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html_lib.escape(self.html(), quote=True)}" '
                'style="width:100%;height:640px;border:1px solid #ddd"></iframe>')

    def save(self, path: str | Path) -> Path:
        """Write the page to `path` (.html)."""
        path = Path(path)
        path.write_text(self.html(), encoding="utf-8")
        return path

    def frame_dot(self, step: int) -> str:
        """DOT of one step, its highlights drawn in (for PNG frames)."""
        s = self.steps[step]
        writer = _Writer(self.graph, True, True, self.max_values, False, {}, set(s.active))
        writer.grad_text = self.grad_texts(step)
        return writer.write(True, self.rankdir, f"step {step} of {len(self.steps) - 1}: {s.title}")

    def frame(self, step: int) -> Any:
        """One step as a `graphviz.Digraph` (`.pipe(format="svg")`, shows in Jupyter)."""
        from .render import drawing_of
        return drawing_of(self.frame_dot(step))

    def save_frames(self, folder: str | Path, format: str = "png") -> list[Path]:
        """Every step as folder/step_000.png, ... (needs Graphviz's `dot`); format="gif" writes
        folder/backprop.gif as well (needs Pillow)."""
        if format not in ("png", "gif"):
            raise ValueError(f"save_frames: format must be 'png' or 'gif', got {format!r}")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for i in range(len(self.steps)):
            paths.append(folder / f"step_{i:03d}.png")
            paths[-1].write_bytes(self.frame(i).pipe(format="png"))
        if format == "gif":
            from PIL import Image
            frames = [Image.open(p).convert("RGB") for p in paths]
            w, h = max(f.width for f in frames), max(f.height for f in frames)
            frames = [_padded(f, w, h) for f in frames]
            gif = folder / "backprop.gif"
            frames[0].save(gif, save_all=True, append_images=frames[1:], duration=1500, loop=0)
            paths.append(gif)
        return paths


def _padded(frame: Any, w: int, h: int) -> Any:
    from PIL import Image
    canvas = Image.new("RGB", (w, h), "white")
    canvas.paste(frame, (0, 0))
    return canvas


def animate_backward(loss: Tensor, path: str | Path | None = None, names: Mapping[str, Any] | None = None,
                     rankdir: str | None = None, max_values: int = 6) -> Animation:
    """Backpropagation through the graph of `loss`, one op per step, as an `Animation` (an HTML
    page with previous / next buttons and a slider; inline in Jupyter); written to `path` if given.

    Needs the live graph: call it before `loss.backward()` (or after backward(retain_graph=True)).
    A non-scalar `loss` starts from a gradient of ones (the gradient of its sum).
    """
    if not isinstance(loss, Tensor):
        raise TypeError(f"animate_backward: expected the output Tensor, got {type(loss).__name__}")
    if not loss.requires_grad or loss.grad_fn is None:
        raise ValueError("animate_backward: the output does not require grad (no input has requires_grad=True)")
    if rankdir is not None and rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"animate_backward: rankdir must be LR, TB, RL, BT or None, got {clean(repr(rankdir), 60)}")
    graph = build([loss], names)
    if any(n.fn.inputs is None for n in graph.nodes.values() if n.kind == "op"):
        raise RuntimeError("animate_backward: backward() already freed this graph; call animate_backward(loss) "
                           "before loss.backward(), or use loss.backward(retain_graph=True)")
    values.attach(graph, [loss], False, True)
    steps = _simulate(graph, loss)
    rankdir = rankdir or choose_rankdir(graph)
    anim = Animation(graph, steps, "", max_values, rankdir)
    writer = _Writer(graph, True, True, max_values, True, {}, set())
    longest: dict[str, str] = {}
    for i in range(len(steps)):  # the SVG is laid out once, with room for the longest text of each cell
        for k, text in anim.grad_texts(i).items():
            longest[k] = max(longest.get(k, ""), text, key=len)
    writer.grad_text = longest
    anim.svg = _svg(writer.write(True, rankdir, None))
    if path is not None:
        anim.save(path)
    return anim


def _svg(dot: str) -> str:
    """The DOT rendered to inline SVG (no XML prolog)."""
    from .render import drawing_of
    svg = drawing_of(dot).pipe(format="svg", encoding="utf-8")
    return svg[svg.index("<svg"):]


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>backpropagation, step by step</title>
<style>
body {{ font-family: {font}; margin: 12px; }}
#controls {{ display: flex; gap: 8px; align-items: center; }}
#slider {{ width: 320px; }}
#caption {{ font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 13px;
            white-space: pre-wrap; background: #f9fafb; border: 1px solid #e5e7eb; padding: 6px; margin: 8px 0; }}
#caption b {{ font-family: {font}; }}
g.node.active polygon, g.node.active ellipse, g.node.active path {{ stroke: #dc2626; stroke-width: 3px; }}
g.edge.pending text {{ visibility: hidden; }}
g.edge.pending path, g.edge.pending polygon {{ opacity: 0.35; }}
g.edge.lit path, g.edge.lit polygon {{ stroke: #dc2626; stroke-width: 3px; }}
g.edge.lit text {{ fill: #dc2626; font-weight: bold; }}
text.pending {{ fill: #9ca3af; }}
text.changed {{ fill: #dc2626; }}
</style></head>
<body>
<div id="controls">
  <button id="prev" type="button">&#9664; previous</button>
  <input id="slider" type="range" min="0" max="{last}" value="0">
  <button id="next" type="button">next &#9654;</button>
  <span id="counter"></span>
</div>
<div id="caption"></div>
<div id="graph">{svg}</div>
<script type="application/json" id="steps">{steps}</script>
<script>
(function () {{
  const data = JSON.parse(document.getElementById("steps").textContent);
  const svg = document.querySelector("#graph svg");
  const nodes = {{}}, edges = {{}}, cells = {{}};
  svg.querySelectorAll("g.node").forEach(g => {{ nodes[g.querySelector("title").textContent] = g; }});
  svg.querySelectorAll("g.edge").forEach(g => {{ edges[g.querySelector("title").textContent] = g; }});
  for (const k in nodes) {{
    const t = Array.from(nodes[k].querySelectorAll("text")).find(t => t.textContent.startsWith("grad "));
    if (t) cells[k] = t;
  }}
  const slider = document.getElementById("slider");
  let current = 0;
  function show(i) {{
    current = Math.max(0, Math.min(data.steps.length - 1, i));
    const step = data.steps[current], before = current > 0 ? data.steps[current - 1].grads : {{}};
    const reached = new Set();
    for (let j = 0; j <= current; j++) data.steps[j].edges.forEach(e => reached.add(e));
    for (const k in nodes) nodes[k].classList.toggle("active", step.active.includes(k));
    for (const k in edges) {{
      edges[k].classList.toggle("lit", step.edges.includes(k));
      edges[k].classList.toggle("pending", !reached.has(k) && !k.startsWith("C") && !k.startsWith("Y"));
    }}
    for (const k in cells) {{
      const text = step.grads[k] === undefined ? "?" : step.grads[k];
      cells[k].textContent = "grad " + text;
      cells[k].classList.toggle("pending", text === "?");
      cells[k].classList.toggle("changed", current > 0 && text !== before[k]);
    }}
    const caption = document.getElementById("caption");
    caption.textContent = "";
    const head = document.createElement("b");
    head.textContent = "step " + current + " of " + (data.steps.length - 1) + ": " + step.title;
    caption.appendChild(head);
    caption.appendChild(document.createTextNode("\\n" + step.lines.join("\\n")));
    slider.value = current;
    document.getElementById("counter").textContent = current + " / " + (data.steps.length - 1);
    document.body.dataset.step = current;
  }}
  document.getElementById("prev").addEventListener("click", () => show(current - 1));
  document.getElementById("next").addEventListener("click", () => show(current + 1));
  slider.addEventListener("input", () => show(Number(slider.value)));
  document.addEventListener("keydown", e => {{
    if (e.key === "ArrowRight") show(current + 1);
    if (e.key === "ArrowLeft") show(current - 1);
  }});
  show(0);
}})();
</script>
</body></html>
"""
