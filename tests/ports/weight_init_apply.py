# model.apply(init_fn) with nn.init, named_modules/children, requires_grad_(False) to freeze a layer.
import torch
import torch.nn as nn


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, 0.05)
        nn.init.zeros_(m.bias)
    elif isinstance(m, nn.Conv2d):
        nn.init.ones_(m.weight)
        with torch.no_grad():
            m.bias.fill_(0.01)


net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 2 * 2, 3), nn.Tanh(), nn.Linear(3, 1))
net.apply(init_weights)
print("linear weight:", net[3].weight.sum().item(), "conv bias:", net[0].bias.tolist())
print("modules:", len(list(net.modules())), "children:", len(list(net.children())))
print("named_modules:", [name for name, _ in net.named_modules()])
x = torch.arange(16, dtype=torch.float32).reshape(1, 1, 4, 4) / 16
print("output:", net(x).item())
net[0].requires_grad_(False)
print("frozen:", [p.requires_grad for p in net.parameters()])
out = net(x)
out.backward()
print("conv grad is None:", net[0].weight.grad is None, "linear grad:", net[5].weight.grad.tolist())
lin = nn.Linear(4, 4)
nn.init.eye_(lin.weight)
print("eye_:", lin.weight.diagonal().tolist())
nn.init.uniform_(lin.bias, a=2.0, b=2.0)
print("uniform_ degenerate:", lin.bias.tolist())
nn.init.normal_(lin.weight, mean=3.0, std=0.0)
print("normal_ std 0:", lin.weight[0].tolist())
w = torch.empty(3, 5)
print("xavier bound check:", (nn.init.xavier_uniform_(w).abs() <= (6 / 8) ** 0.5).all().item())
print("kaiming shape:", list(nn.init.kaiming_normal_(torch.empty(4, 6), mode="fan_out", nonlinearity="relu").shape))
print("calculate_gain:", nn.init.calculate_gain("relu"), nn.init.calculate_gain("tanh"))
