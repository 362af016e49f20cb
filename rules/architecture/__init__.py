"""Architecture rules."""
