"""Adapters of matching: SQL tables and repositories, mapping to wire events."""
