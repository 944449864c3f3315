"""Use cases of matching: one async function each, committing once through a unit of work."""
