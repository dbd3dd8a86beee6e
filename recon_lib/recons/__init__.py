"""One module per reconciliation. Each exposes ``RECON`` (its name) and ``reconcile(ctx)``."""
