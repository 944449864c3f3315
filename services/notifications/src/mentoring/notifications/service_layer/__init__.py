"""Use cases of notifications: one async function each, committing once through a unit of work."""
