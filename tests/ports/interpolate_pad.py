# F.pad with constant/reflect/replicate modes and F.interpolate (nearest, bilinear) as in U-Net style code.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

x = torch.tensor(np.arange(12, dtype=np.float64).reshape(1, 1, 3, 4), requires_grad=True)
print("constant:", F.pad(x, (1, 1, 0, 1), value=-1.0)[0, 0].tolist())
print("reflect:", F.pad(x, (2, 1, 1, 1), mode="reflect")[0, 0].tolist())
print("replicate:", F.pad(x, (1, 2, 1, 0), mode="replicate")[0, 0].tolist())
print("circular:", F.pad(x, (1, 1, 1, 1), mode="circular")[0, 0, 0].tolist())
up = F.interpolate(x, scale_factor=2, mode="nearest")
print("nearest:", list(up.shape), up[0, 0, 1].tolist())
bil = F.interpolate(x, size=(5, 6), mode="bilinear", align_corners=False)
print("bilinear:", bil[0, 0, 2].tolist())
bil_ac = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)
print("bilinear align_corners:", bil_ac[0, 0, 3].tolist())
(up.sum() + (bil * bil).sum() + F.pad(x, (2, 1, 1, 1), mode="reflect").pow(2).sum()).backward()
print("grad:", x.grad[0, 0].tolist())
print("ZeroPad2d:", nn.ZeroPad2d(1)(x).sum().item(), list(nn.ReflectionPad2d((1, 0, 1, 0))(x).shape))
print("Upsample:", nn.Upsample(scale_factor=2, mode="nearest")(x).sum().item())
