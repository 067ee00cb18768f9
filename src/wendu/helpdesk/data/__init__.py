"""Training data bundled with the helpdesk (written for wendu, not copied from datasets)."""
