"""Composition root of matching: build the API, the worker and the command line from settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from mentoring.contracts import topics
from mentoring.kit.asyncapi import models_on
from mentoring.kit.bootstrap import build_standard_api, build_standard_worker
from mentoring.kit.service import ServiceDefinition
from mentoring.kit.worker import Worker
from mentoring.matching.config import MatchingSettings
from mentoring.matching.entrypoints import api, cli, worker

VERSION = "0.1.0"
MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def build_api(settings: MatchingSettings | None = None) -> FastAPI:
    return build_standard_api(
        settings or MatchingSettings(),
        title="Mentoring: matching",
        version=VERSION,
        description=(
            "Tenants, programmes, participants, org structure, matching rounds and pairs. "
            "Coordinator guide: docs/matching.md."
        ),
        routers=api.routers,
        produces=models_on(topics.MATCHING),
        consumes=list(worker.CONSUMES),
        subscription_names=worker.SUBSCRIPTION_NAMES,
    )


def build_worker(settings: MatchingSettings | None = None) -> Worker:
    settings = settings or MatchingSettings()
    return build_standard_worker(
        settings, worker.subscriptions, jobs=worker.jobs(settings.expiry_scan_seconds)
    )


service = ServiceDefinition(
    name="matching",
    settings=MatchingSettings,
    build_api=build_api,
    build_worker=build_worker,
    migrations=MIGRATIONS,
    cli=cli.app,
)
