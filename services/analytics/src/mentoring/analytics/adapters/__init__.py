"""Adapters of analytics: SQL tables and repositories, mapping to and from wire events."""
