"""The matching service: tenants, programmes, participants, org hierarchy, rounds and pairs."""
