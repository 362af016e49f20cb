"""Built-in rules, one module each; installed as `auditor.rules`."""
