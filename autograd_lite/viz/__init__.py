"""Drawing computational graphs: forward and backward views, module clusters, checking view.

    al.viz.to_dot(loss)                        # DOT text, no Graphviz needed
    al.viz.draw_graph(loss, backward=True)     # graphviz.Digraph: shows in Jupyter, .render("g", format="svg")
    al.viz.record_grads(loss).backward()       # keep every node's value and gradient for drawing after backward
    al.viz.animate_backward(loss, "bp.html")   # backpropagation step by step (HTML page; inline in Jupyter)
    al.viz.chain_rule_latex(loss)              # the chain-rule steps as LaTeX
"""
from .animate import Animation, animate_backward
from .dot import to_dot
from .latex import chain_rule_latex, chain_rule_steps
from .render import GraphvizNotFound, draw_graph
from .values import record_grads

__all__ = ["to_dot", "draw_graph", "record_grads", "animate_backward", "Animation", "chain_rule_latex",
           "chain_rule_steps", "GraphvizNotFound"]
