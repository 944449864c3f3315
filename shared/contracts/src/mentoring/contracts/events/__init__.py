"""The v1 event types, one module per producing service."""
