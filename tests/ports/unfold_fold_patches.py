# F.unfold to extract patches (im2col) and compute a convolution as a matmul; F.fold to put them back.
import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(27)
inp = torch.tensor(rng.standard_normal((2, 3, 5, 5)), requires_grad=True)
w = torch.tensor(rng.standard_normal((4, 3, 3, 3)))
inp_unf = F.unfold(inp, kernel_size=3, padding=1)
print("unfold:", list(inp_unf.shape))
out_unf = inp_unf.transpose(1, 2).matmul(w.view(w.size(0), -1).t()).transpose(1, 2)
out = out_unf.view(2, 4, 5, 5)
print("conv as matmul:", torch.allclose(out, F.conv2d(inp, w, padding=1)), out[1, 2, 0].tolist())
patches = F.unfold(inp, kernel_size=2, stride=2)
print("patches:", list(patches.shape), patches[0, :, 0].tolist())
folded = F.fold(F.unfold(inp, kernel_size=3), output_size=(5, 5), kernel_size=3)
ones = F.fold(F.unfold(torch.ones(1, 1, 5, 5), kernel_size=3), output_size=(5, 5), kernel_size=3)
print("overlap counts:", ones[0, 0].tolist())
print("fold == input * counts:", torch.allclose(folded, inp * ones))
(out.pow(2).sum() + folded.sum()).backward()
print("grad:", inp.grad[0, 0, 0].tolist())
