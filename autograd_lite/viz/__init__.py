"""Drawing computational graphs: forward and backward views, module clusters, checking view.

    al.viz.to_dot(loss)                        # DOT text, no Graphviz needed
    al.viz.draw_graph(loss, backward=True)     # graphviz.Digraph: shows in Jupyter, .render("g", format="svg")
    al.viz.chain_rule_latex(loss)              # the chain-rule steps as LaTeX
"""
from .dot import to_dot
from .latex import chain_rule_latex, chain_rule_steps
from .render import GraphvizNotFound, draw_graph

__all__ = ["to_dot", "draw_graph", "chain_rule_latex", "chain_rule_steps", "GraphvizNotFound"]
