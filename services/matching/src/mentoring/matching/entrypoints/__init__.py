"""Entrypoints of matching: the HTTP API, the worker, the command line."""
