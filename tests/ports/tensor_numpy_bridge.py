# "Bridge with NumPy": tensors on the CPU share memory with NumPy arrays.
import numpy as np
import torch

t = torch.ones(5)
print(f"t: {t.tolist()}")
n = t.numpy()
print(f"n: {n.tolist()}")
t.add_(1)
print("after t.add_(1), n:", n.tolist())

n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print("after np.add, t:", t.tolist(), t.dtype == torch.float64)

arr = np.arange(6, dtype=np.float32).reshape(2, 3)
a = torch.as_tensor(arr)
b = torch.tensor(arr)
arr[0, 0] = 100.0
print("as_tensor shares:", a[0, 0].item(), "tensor copies:", b[0, 0].item(), a.dtype == torch.float32)
ints = torch.from_numpy(np.array([1, 2, 3]))
print("int64 stays:", ints.dtype == torch.int64, ints.tolist())
x = torch.tensor([[1.5, 2.5], [3.5, 4.5]], dtype=torch.float64, requires_grad=True)
print("detach().numpy():", x.detach().numpy().sum())
print("tolist nested:", x.detach().tolist(), "item:", x[1, 1].item())
print("np.asarray:", np.asarray(b).mean())
