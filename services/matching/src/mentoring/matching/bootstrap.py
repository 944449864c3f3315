"""Composition root of matching: build the API and the worker from settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from mentoring.contracts import topics
from mentoring.kit.asyncapi import models_on
from mentoring.kit.bootstrap import build_standard_api, build_standard_worker
from mentoring.kit.service import ServiceDefinition
from mentoring.kit.worker import Worker
from mentoring.matching.config import MatchingSettings
from mentoring.matching.entrypoints import api, worker

VERSION = "0.1.0"
MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def build_api(settings: MatchingSettings | None = None) -> FastAPI:
    return build_standard_api(
        settings or MatchingSettings(),
        title="Mentoring: matching",
        version=VERSION,
        description="Tenants, programmes, participants, org structure, matching rounds and pairs.",
        routers=[api.router],
        produces=models_on(topics.MATCHING),
        consumes=[],
        subscription_names=(),
    )


def build_worker(settings: MatchingSettings | None = None) -> Worker:
    return build_standard_worker(settings or MatchingSettings(), worker.subscriptions)


service = ServiceDefinition(
    name="matching",
    settings=MatchingSettings,
    build_api=build_api,
    build_worker=build_worker,
    migrations=MIGRATIONS,
)
