"""Pure domain objects and rules of matching: no I/O, no framework imports."""
