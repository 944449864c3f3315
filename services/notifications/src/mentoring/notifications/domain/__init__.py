"""Pure domain objects and rules of notifications: no I/O, no framework imports."""
