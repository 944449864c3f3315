"""Topic names of the public contract (DESIGN.md §1 and §2)."""

MATCHING = "mentoring.matching"
SESSIONS = "mentoring.sessions"
NOTIFICATIONS = "mentoring.notifications"
ANALYTICS = "mentoring.analytics"
PROFILES = "mentoring.participants.profiles"

EVENT_TOPICS = (MATCHING, SESSIONS, NOTIFICATIONS, ANALYTICS)
ALL_TOPICS = (*EVENT_TOPICS, PROFILES)


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"
