"""Use cases of sessions: one async function each, committing once through a unit of work."""
