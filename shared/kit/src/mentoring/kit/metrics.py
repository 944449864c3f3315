"""Prometheus metrics shared by every service (exposed at GET /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "mentoring_http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "mentoring_http_request_seconds", "HTTP request latency", ["service", "method", "route"]
)
RATE_LIMITED = Counter("mentoring_http_rate_limited_total", "429 answers", ["service", "lane"])
BULK_PAUSED = Counter(
    "mentoring_bulk_paused_seconds_total",
    "Seconds bulk calls paused to leave the database to others (MENTORING_BULK_DUTY)",
    ["service"],
)
RELAY_PUBLISHED = Counter("mentoring_outbox_published_total", "Outbox rows published", ["service"])
RELAY_PRODUCER_REBUILDS = Counter(
    "mentoring_outbox_producer_rebuilds_total", "Producers rebuilt after a failure", ["service"]
)
OUTBOX_BACKLOG = Gauge("mentoring_outbox_backlog", "Unsent outbox rows", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "mentoring_outbox_oldest_unsent_seconds", "Age of the oldest unsent outbox row", ["service"]
)
EVENTS_PROCESSED = Counter(
    "mentoring_events_processed_total", "Events handled", ["service", "consumer", "outcome"]
)
EVENT_HANDLE_SECONDS = Histogram(
    "mentoring_event_handle_seconds", "Time to handle one event", ["service", "consumer"]
)
CONSUMER_LAG = Gauge(
    "mentoring_consumer_lag", "Messages behind the log end", ["service", "consumer"]
)
CONSUMER_REBUILDS = Counter(
    "mentoring_consumer_rebuilds_total", "Consumers rebuilt after a stall", ["service", "consumer"]
)
DEAD_LETTERED = Counter(
    "mentoring_events_dead_lettered_total",
    "Messages sent to a dead-letter topic",
    ["service", "topic"],
)
