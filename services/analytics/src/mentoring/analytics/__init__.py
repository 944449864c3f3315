"""The analytics service: read models, programme figures, the dashboard, exports, inactivity."""
