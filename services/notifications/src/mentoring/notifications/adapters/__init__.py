"""Adapters of notifications: SQL tables and repositories, mapping to and from wire events."""
