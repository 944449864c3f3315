"""Pure domain objects and rules of sessions: no I/O, no framework imports."""
