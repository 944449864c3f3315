"""Adapters of sessions: SQL tables and repositories, mapping to and from wire events."""
