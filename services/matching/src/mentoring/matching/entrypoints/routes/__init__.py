"""HTTP routes of matching, one module per resource."""
