"""The built-in demo merchant: a realistic month of files with a known answer key."""

from recon_lib.demo.build import build_month, write_demo

__all__ = ["build_month", "write_demo"]
