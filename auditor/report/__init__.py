"""Reports a reviewer reads: Markdown and HTML from one content model."""
