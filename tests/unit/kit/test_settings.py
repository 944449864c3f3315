"""Settings refuse the development secret in production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mentoring.kit.settings import Environment, KitSettings


def test_production_refuses_development_secret() -> None:
    with pytest.raises(ValidationError, match="production needs"):
        KitSettings(environment=Environment.PRODUCTION)


def test_production_accepts_a_jwks_url() -> None:
    s = KitSettings(environment=Environment.PRODUCTION, jwt_jwks_url="https://idp.example/jwks")
    assert s.jwt_jwks_url


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORING_TOPIC_PARTITIONS", "7")
    assert KitSettings().topic_partitions == 7


def test_production_refuses_fault_injection() -> None:
    with pytest.raises(ValidationError, match="never production"):
        KitSettings(
            environment=Environment.PRODUCTION,
            jwt_jwks_url="https://idp.example/jwks",
            fault_injection=True,
        )
