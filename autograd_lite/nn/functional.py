"""The functional layer API, like torch.nn.functional (filled in by the nn-ops work)."""
