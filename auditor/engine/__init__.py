"""Rules, their registry, the pipeline, suppressions and scores."""
