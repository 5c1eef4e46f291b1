# Capturing activations with register_forward_hook, changing inputs with a pre-hook, backward hooks, removal.
import numpy as np
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)
model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
rng = np.random.default_rng(19)
model.load_state_dict({k: torch.tensor(rng.standard_normal(tuple(v.shape))) for k, v in model.state_dict().items()})
activation = {}


def get_activation(name):
    def hook(model, input, output):
        activation[name] = output.detach()
    return hook


h1 = model[1].register_forward_hook(get_activation("relu"))
x = torch.tensor(rng.standard_normal((2, 3)), requires_grad=True)
out = model(x)
print("relu activation:", activation["relu"].tolist())


def double_input(module, args):
    return (args[0] * 2,)


h2 = model[2].register_forward_pre_hook(double_input)
print("with pre-hook:", model(x).tolist())
h2.remove()
print("after remove:", torch.allclose(model(x), out))
grads = []
h3 = model[0].register_full_backward_hook(lambda m, gin, gout: grads.append((gin[0].tolist(), gout[0].tolist())))
model(x).sum().backward()
print("backward hook grad_output:", grads[0][1])
print("backward hook grad_input:", grads[0][0])
h1.remove()
h3.remove()
activation.clear()
model(x)
print("hooks removed:", len(activation) == 0)
