"""Entrypoints of analytics: the HTTP API, the worker, the command line."""
