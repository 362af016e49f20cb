"""auditor: reads a Python web API service's source and tells how far it is from production."""

__version__ = "0.1.0"
