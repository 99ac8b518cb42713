"""The package version (shown in the HTTP User-Agent and by the public face)."""

__version__ = "0.1.0"
