"""Issue 10: a password inside ``redis_url`` never shows in a repr, str or log line;
``config.redis_url`` stays the real URL (``redis.from_url(config.redis_url)``)."""

from __future__ import annotations

import logging

import pytest

from netrun_auth import AuthConfig
from netrun_auth.config import redact_url

PASSWORD = "hunter2-pw"


@pytest.mark.parametrize(
    "url",
    [
        f"redis://:{PASSWORD}@localhost:6379/0",
        f"rediss://default:{PASSWORD}@cache.example:6380/1",
        f"redis://localhost:6379/0?password={PASSWORD}",
        f"unix://:{PASSWORD}@/run/redis.sock?db=0",
    ],
)
def test_redis_password_is_masked_in_repr_and_str(url):
    config = AuthConfig(_env_file=None, redis_url=url)
    for text in (repr(config), str(config), f"{config}", f"{config!r}"):
        assert PASSWORD not in text
        assert "***" in text
    assert config.redis_url == url


def test_urls_without_password_are_shown_as_they_are():
    assert redact_url("redis://localhost:6379/0") == "redis://localhost:6379/0"
    assert redact_url("redis://user@host/0") == "redis://user@host/0"
    assert redact_url("rediss://u:p@h:1/2") == "rediss://u:***@h:1/2"


def test_adopting_redis_logs_no_password(caplog, make_config):
    import redis.asyncio as redis

    from netrun_auth import JWTManager

    config = make_config(redis_url=f"redis://:{PASSWORD}@127.0.0.1:1/0")
    manager = JWTManager(config)
    client = redis.from_url(config.redis_url)
    with caplog.at_level(logging.DEBUG, logger="netrun_auth"):
        manager.use_redis(client)
    assert caplog.records
    assert all(PASSWORD not in record.getMessage() for record in caplog.records)
