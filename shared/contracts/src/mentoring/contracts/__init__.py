"""Event contracts of the mentoring platform: CloudEvents data models, topics, JSON Schemas.

This package is the public contract (DESIGN.md §2). It imports nothing of the services or the kit.
"""
