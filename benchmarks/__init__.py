"""Side-by-side benchmarks of autograd_lite against PyTorch CPU, HIPS autograd, MyGrad and hand-written NumPy.

Run `python -m benchmarks` (add `--quick` for a few-second smoke run); results go to
benchmarks/RESULTS.md. Nothing heavy is imported here: `__main__` pins the BLAS
thread count through environment variables, which must happen before NumPy loads.
"""
