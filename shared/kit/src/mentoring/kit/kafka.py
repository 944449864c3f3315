"""Kafka clients with the settings DESIGN.md §3 requires, and topic administration."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from mentoring.contracts import topics as contract_topics

log = logging.getLogger(__name__)


def make_producer(bootstrap: str, *, client_id: str) -> AIOKafkaProducer:
    """The idempotent producer: acks=all, retries without duplicates or reordering."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        request_timeout_ms=15000,
        retry_backoff_ms=200,
    )


def topic_configs(topic: str, *, min_insync_replicas: int) -> dict[str, str]:
    configs = {"min.insync.replicas": str(min_insync_replicas)}
    if topic.endswith(contract_topics.PROFILES):
        configs.update(
            {
                "cleanup.policy": "compact",
                "min.cleanable.dirty.ratio": "0.01",
                "segment.ms": "60000",
                "delete.retention.ms": "60000",
            }
        )
    return configs


async def ensure_topics(
    bootstrap: str,
    names: Iterable[str],
    *,
    partitions: int,
    replication_factor: int = 1,
    min_insync_replicas: int = 1,
    timeout: float = 60.0,
) -> None:
    """Create missing topics (idempotent); retries while the broker is still starting."""
    wanted = list(dict.fromkeys(names))
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [n for n in wanted if n not in existing]
            if missing:
                new = [
                    NewTopic(
                        name=n,
                        num_partitions=partitions,
                        replication_factor=replication_factor,
                        topic_configs=topic_configs(n, min_insync_replicas=min_insync_replicas),
                    )
                    for n in missing
                ]
                with contextlib.suppress(TopicAlreadyExistsError):
                    await admin.create_topics(new)
                log.info("created topics", extra={"topics": missing})
            return
        except TopicAlreadyExistsError:
            return
        except Exception:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(1.0)
        finally:
            await admin.close()


def all_platform_topics(namespace: str = "") -> list[str]:
    names = [namespace + t for t in contract_topics.ALL_TOPICS]
    names += [contract_topics.dead_letter_topic(t) for t in names]
    return names
