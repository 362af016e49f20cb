"""The framework-neutral application model and the adapters that build it."""
