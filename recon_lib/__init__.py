"""recon_lib: reconcile a merchant's month of orders, shipments, stock, freight and money."""

__version__ = "0.1.0"
