# Device and dtype idioms: cuda.is_available(), torch.device, .to(device), .float(), .long(), .item(), .tolist().
import numpy as np
import torch

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print("device type is cpu:", device.type == "cpu", str(device) == "cpu")
x = torch.tensor(np.array([[1.5, 2.25], [3.0, 4.75]]))
print("from float64 numpy:", x.dtype == torch.float64)
x = x.to(device)
xf = x.float()
print("float():", xf.dtype == torch.float32, xf.tolist())
print("double():", xf.double().dtype == torch.float64)
print("long():", x.long().tolist(), x.long().dtype == torch.int64, x.int().dtype == torch.int32)
print("bool():", (x - 2.25).bool().tolist())
print("to(dtype):", x.to(torch.float32).dtype == torch.float32, x.to(device, torch.float32).dtype == torch.float32)
print("type():", x.type(torch.int64).tolist())
print("cpu():", x.cpu().tolist(), x.device.type == "cpu")
print("item:", x[1, 0].item(), x.sum().item())
y = torch.zeros(2, 3, device=device, dtype=torch.long)
print("zeros long on device:", y.dtype == torch.long, y.tolist())
z = torch.ones(3, dtype=torch.float32, device=device) * 2
print("float32 stays float32:", (z * 1.5).dtype == torch.float32,
      (z + torch.ones(3, dtype=torch.float32)).dtype == torch.float32)
print("int + float:", (torch.tensor([1, 2]) + 0.5).tolist(), (torch.tensor([1, 2]) / 2).tolist())
print("is_floating_point:", x.is_floating_point(), y.is_floating_point())
print("numpy round trip:", x.cpu().numpy().tolist(), x.detach().cpu().numpy().dtype == np.float64)
model = torch.nn.Linear(2, 1).to(device)
print("model to device:", next(model.parameters()).device.type == "cpu")
print("as_tensor dtype:", torch.as_tensor([1, 2, 3], dtype=torch.float32).tolist())
torch.set_default_dtype(torch.float32)  # autograd_lite's default is float64; this gives PyTorch's everywhere
print("default dtype is float32:", torch.get_default_dtype() == torch.float32,
      torch.tensor([1.0]).dtype == torch.float32)
print("is_tensor:", torch.is_tensor(x), torch.is_tensor(np.ones(2)))
