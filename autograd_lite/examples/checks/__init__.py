"""Check files for `autograd-lite check` (run e.g. `autograd-lite check gplvm`); templates for your own."""
