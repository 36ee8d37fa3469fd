"""Connectors: each turns one kind of source into the canonical event table."""
