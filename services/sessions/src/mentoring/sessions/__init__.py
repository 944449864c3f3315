"""The sessions service: mentoring agreements, goals, sessions, feedback and surveys."""
