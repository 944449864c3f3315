"""Entrypoints of notifications: the HTTP API, the worker, the command line."""
