"""Recurrent layers with PyTorch's parameters, shapes and gate order: `RNN`, `LSTM`, `GRU` and
their one-step cells. Each step is written in differentiable ops (F.linear, sigmoid, tanh), so
backpropagation through time is ordinary backward.

Shapes (batch_first=False): input (L, N, H_in) or unbatched (L, H_in); h_0 (D·num_layers, N, H);
output (L, N, D·H); h_n (D·num_layers, N, H), D = 2 if bidirectional. LSTM states are (h, c).
"""
from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..ops import cat, sigmoid, stack, tanh
from ..tensor import Tensor
from .. import args
from . import init
from . import functional as F
from .module import Module, Parameter

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _cell_step(mode: str, x: Tensor, state: Any, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None,
               b_hh: Tensor | None) -> Any:
    """One time step: x (N, H_in), state h (N, H) or (h, c) for LSTM; returns the new state."""
    h = state[0] if mode == "LSTM" else state
    gi, gh = F.linear(x, w_ih, b_ih), F.linear(h, w_hh, b_hh)
    n = h.shape[-1]
    if mode == "RNN_TANH":
        return tanh(gi + gh)
    if mode == "RNN_RELU":
        return F.relu(gi + gh)
    if mode == "LSTM":  # gates i, f, g, o
        g = gi + gh
        i, f, c_hat, o = sigmoid(g[..., :n]), sigmoid(g[..., n:2 * n]), tanh(g[..., 2 * n:3 * n]), sigmoid(g[..., 3 * n:])
        c = f * state[1] + i * c_hat
        return o * tanh(c), c
    # GRU: gates r, z, n; the candidate sees r ⊙ (W_hn h + b_hn)
    r = sigmoid(gi[..., :n] + gh[..., :n])
    z = sigmoid(gi[..., n:2 * n] + gh[..., n:2 * n])
    cand = tanh(gi[..., 2 * n:] + r * gh[..., 2 * n:])
    return (1 - z) * cand + z * h


class _RNNBase(Module):
    mode = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, dtype: Any = None) -> None:
        super().__init__()
        owner = type(self).__name__
        self.input_size = args.size(owner, "input_size", input_size, minimum=1)
        self.hidden_size = args.size(owner, "hidden_size", hidden_size, minimum=1)
        self.num_layers = args.size(owner, "num_layers", num_layers, minimum=1)
        self.dropout = args.probability(owner, "dropout", dropout)
        if proj_size:
            raise NotImplementedError(f"{owner}: proj_size is not supported")
        self.bias, self.batch_first, self.bidirectional = bias, batch_first, bidirectional
        gate = _GATES[self.mode] * hidden_size
        directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            layer_in = input_size if layer == 0 else hidden_size * directions
            for suffix in ("", "_reverse")[:directions]:
                setattr(self, f"weight_ih_l{layer}{suffix}", Parameter(creation.empty(gate, layer_in, dtype=dtype)))
                setattr(self, f"weight_hh_l{layer}{suffix}", Parameter(creation.empty(gate, hidden_size, dtype=dtype)))
                if bias:
                    setattr(self, f"bias_ih_l{layer}{suffix}", Parameter(creation.empty(gate, dtype=dtype)))
                    setattr(self, f"bias_hh_l{layer}{suffix}", Parameter(creation.empty(gate, dtype=dtype)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias U(−1/√hidden_size, 1/√hidden_size), as in PyTorch."""
        bound = 1 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _weights(self, layer: int, suffix: str) -> tuple[Any, ...]:
        get = self._parameters.get
        return (get(f"weight_ih_l{layer}{suffix}"), get(f"weight_hh_l{layer}{suffix}"),
                get(f"bias_ih_l{layer}{suffix}"), get(f"bias_hh_l{layer}{suffix}"))

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]:
        owner, lstm = type(self).__name__, self.mode == "LSTM"
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            raise ValueError(f"{owner}: expected input (L, N, {self.input_size}) or (L, {self.input_size})"
                             f"{' (batch_first: (N, L, ...))' if self.batch_first else ''}, got shape {input.shape}")
        batched = input.ndim == 3
        x = input if batched else input.unsqueeze(1)
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        seq_len, n = x.shape[:2]
        directions = 2 if self.bidirectional else 1
        state_shape = (self.num_layers * directions, n, self.hidden_size)
        states = self._initial_states(hx, state_shape, batched, x)
        steps = [x[t] for t in range(seq_len)]
        finals = []
        for layer in range(self.num_layers):
            outs = []
            for d, suffix in enumerate(("", "_reverse")[:directions]):
                k = layer * directions + d
                state = (states[0][k], states[1][k]) if lstm else states[k]
                order = range(seq_len - 1, -1, -1) if d else range(seq_len)
                hs: list[Any] = [None] * seq_len
                for t in order:
                    state = _cell_step(self.mode, steps[t], state, *self._weights(layer, suffix))
                    hs[t] = state[0] if lstm else state
                outs.append(hs)
                finals.append(state)
            steps = [outs[0][t] if directions == 1 else cat([outs[0][t], outs[1][t]], -1) for t in range(seq_len)]
            if self.dropout and self.training and layer < self.num_layers - 1:
                steps = [F.dropout(s, self.dropout, True) for s in steps]
        output = stack(steps, 0)
        if batched and self.batch_first:
            output = output.transpose(0, 1)
        if lstm:
            h_n, c_n = stack([s[0] for s in finals], 0), stack([s[1] for s in finals], 0)
            h_n = (h_n, c_n) if batched else (h_n.squeeze(1), c_n.squeeze(1))
        else:
            h_n = stack(finals, 0)
            h_n = h_n if batched else h_n.squeeze(1)
        return (output if batched else output.squeeze(1)), h_n

    def _initial_states(self, hx: Any, shape: tuple[int, ...], batched: bool, x: Tensor) -> Any:
        owner = type(self).__name__
        if hx is None:
            zeros = Tensor._make(creation.zeros(shape, dtype=x.dtype).data)
            return (zeros, zeros) if self.mode == "LSTM" else zeros
        parts = hx if self.mode == "LSTM" else (hx,)
        if self.mode == "LSTM" and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise ValueError(f"{owner}: hx must be a tuple (h_0, c_0)")
        fixed = []
        for p in parts:
            p = p if batched else p.unsqueeze(1)
            if p.shape != shape:
                raise ValueError(f"{owner}: expected hidden state of shape {shape if batched else (shape[0], shape[2])},"
                                 f" got {p.shape if batched else p.squeeze(1).shape}")
            fixed.append(p)
        return tuple(fixed) if self.mode == "LSTM" else fixed[0]

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


class RNN(_RNNBase):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_(t−1) + b_hh) (nonlinearity='relu': ReLU)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r} (expected 'tanh' or 'relu')")
        object.__setattr__(self, "mode", "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU")
        object.__setattr__(self, "nonlinearity", nonlinearity)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype=dtype)


class LSTM(_RNNBase):
    """Long short-term memory: gates i, f, g, o; c_t = f ⊙ c_(t−1) + i ⊙ g, h_t = o ⊙ tanh(c_t)."""

    mode = "LSTM"


class GRU(_RNNBase):
    """Gated recurrent unit: gates r, z, n; h_t = (1 − z) ⊙ n + z ⊙ h_(t−1)."""

    mode = "GRU"


class _CellBase(Module):
    mode = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype: Any = None) -> None:
        super().__init__()
        owner = type(self).__name__
        self.input_size = args.size(owner, "input_size", input_size, minimum=1)
        self.hidden_size = args.size(owner, "hidden_size", hidden_size, minimum=1)
        self.bias = bias
        gate = _GATES[self.mode] * hidden_size
        self.weight_ih = Parameter(creation.empty(gate, input_size, dtype=dtype))
        self.weight_hh = Parameter(creation.empty(gate, hidden_size, dtype=dtype))
        self.bias_ih = Parameter(creation.empty(gate, dtype=dtype)) if bias else None
        self.bias_hh = Parameter(creation.empty(gate, dtype=dtype)) if bias else None
        _RNNBase.reset_parameters(self)

    def forward(self, input: Tensor, hx: Any = None) -> Any:
        """input (N, H_in) or (H_in,); hx (N, H) (LSTMCell: (h, c)); returns the next state."""
        batched = input.ndim == 2
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(f"{type(self).__name__}: expected input (N, {self.input_size}) or ({self.input_size},), "
                             f"got shape {input.shape}")
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            zeros = Tensor._make(creation.zeros((x.shape[0], self.hidden_size), dtype=x.dtype).data)
            hx = (zeros, zeros) if self.mode == "LSTM" else zeros
        elif not batched:
            hx = tuple(h.unsqueeze(0) for h in hx) if self.mode == "LSTM" else hx.unsqueeze(0)
        out = _cell_step(self.mode, x, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        if batched:
            return out
        return tuple(o.squeeze(0) for o in out) if self.mode == "LSTM" else out.squeeze(0)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_CellBase):
    """One Elman step: h' = tanh(W_ih x + b_ih + W_hh h + b_hh)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r} (expected 'tanh' or 'relu')")
        object.__setattr__(self, "mode", "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU")
        object.__setattr__(self, "nonlinearity", nonlinearity)
        super().__init__(input_size, hidden_size, bias, dtype)


class LSTMCell(_CellBase):
    """One LSTM step: returns (h', c')."""

    mode = "LSTM"


class GRUCell(_CellBase):
    """One GRU step."""

    mode = "GRU"
