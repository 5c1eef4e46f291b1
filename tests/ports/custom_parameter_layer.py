# A custom layer with nn.Parameter and register_buffer; buffers go into state_dict but not parameters().
import numpy as np
import torch
import torch.nn as nn


class ScaledLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features, dtype=torch.float64))
        self.bias = nn.Parameter(torch.zeros(out_features, dtype=torch.float64))
        self.register_buffer("scale", torch.tensor(2.0, dtype=torch.float64))
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))
        with torch.no_grad():
            w = np.linspace(-1, 1, out_features * in_features).reshape(out_features, in_features)
            self.weight.copy_(torch.tensor(w))

    def forward(self, x):
        if self.training:
            self.calls += 1
        return self.scale * (x @ self.weight.t()) + self.bias

    def extra_repr(self):
        return f"in_features={self.weight.shape[1]}, out_features={self.weight.shape[0]}"


layer = ScaledLinear(3, 2)
print("parameters:", [n for n, _ in layer.named_parameters()], "buffers:", [n for n, _ in layer.named_buffers()])
print("state_dict keys:", list(layer.state_dict().keys()))
x = torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float64)
y = layer(x)
y.sum().backward()
print("out:", y.tolist(), "dW:", layer.weight.grad.tolist(), "db:", layer.bias.grad.tolist())
layer(x)
print("calls:", layer.calls.item())
layer.eval()
layer(x)
print("calls in eval:", layer.calls.item(), "scale has no grad:", layer.scale.requires_grad)
p = nn.Parameter(torch.ones(2))
print("Parameter requires grad:", p.requires_grad, isinstance(p, torch.Tensor), p.is_leaf)
q = nn.Parameter(torch.ones(2), requires_grad=False)
print("Parameter without grad:", q.requires_grad)
