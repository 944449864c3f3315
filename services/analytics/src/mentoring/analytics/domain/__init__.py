"""Pure domain objects and rules of analytics: no I/O, no framework imports."""
