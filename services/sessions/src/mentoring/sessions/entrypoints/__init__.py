"""Entrypoints of sessions: the HTTP API, the worker, the command line."""
