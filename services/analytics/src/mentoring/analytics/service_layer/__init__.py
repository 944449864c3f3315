"""Use cases of analytics: one async function each, committing once through a unit of work."""
