# The "Tensors" tutorial tour: creation, attributes, arithmetic, joining.
import numpy as np
import torch

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
print("int data gives int64:", x_data.dtype == torch.int64)
x_ones = torch.ones_like(x_data)
print("ones_like:", x_ones.tolist())
x_rand = torch.rand_like(x_data, dtype=torch.float)
print("rand_like shape:", list(x_rand.shape), "float:", x_rand.dtype == torch.float32)

shape = (2, 3,)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)
print("ones:", ones_tensor.tolist(), "zeros:", zeros_tensor.tolist())

tensor = torch.ones(4, 4)
print(f"Shape of tensor: {list(tensor.shape)}")
print(f"Device tensor is stored on: {tensor.device}")
tensor[:, 1] = 0
print("First row:", tensor[0].tolist())
print("First column:", tensor[:, 0].tolist())
print("Last column:", tensor[..., -1].tolist())
t1 = torch.cat([tensor, tensor, tensor], dim=1)
print("cat:", list(t1.shape), t1.sum().item())

y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
print("matmul:", y1.tolist(), torch.equal(y1, y2))
z1 = tensor * tensor
z2 = tensor.mul(tensor)
print("mul:", z1.sum().item(), torch.equal(z1, z2))

agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item).__name__ == "float")
tensor.add_(5)
print("after add_:", tensor.tolist())

a = torch.arange(6).reshape(2, 3)
print("arange:", a.tolist(), a.dtype == torch.int64, a.numel(), a.size(1), a.dim())
b = torch.linspace(0, 1, steps=5)
print("linspace:", b.tolist())
print("full:", torch.full((2, 2), 7.0).tolist(), "eye:", torch.eye(3).tolist())
s = torch.stack([torch.zeros(2), torch.ones(2)])
print("stack:", s.tolist(), list(s.shape))
print("view:", a.view(3, 2).tolist(), a.view(-1).tolist(), a.flatten().tolist())
print("unsqueeze:", list(a.unsqueeze(0).shape), list(a.unsqueeze(-1).shape), list(torch.zeros(1, 3, 1).squeeze().shape))
print("permute:", a.permute(1, 0).tolist(), a.t().tolist())
print("np:", np.asarray(a.float()).sum())
