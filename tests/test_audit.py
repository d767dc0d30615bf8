"""netrun_auth.audit: the record, the callbacks, the JSON formatter, and the events the
token lifecycle emits (each once, with its ids, never a token)."""

from __future__ import annotations

import json
import logging
import logging.config
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from netrun_auth import AuthConfig, JWTManager, audit
from netrun_auth.exceptions import TokenReuseError


@pytest.fixture
def records() -> Iterator[list[logging.LogRecord]]:
    """Every record of ``netrun_auth.audit`` during the test."""
    seen: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    logger = logging.getLogger(audit.LOGGER_NAME)
    handler, level = Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield seen
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_one_record_with_fields_as_extra(records: list[logging.LogRecord]) -> None:
    audit.emit(
        "access_denied",
        error_code="token_invalid",
        status_code=401,
        user_id=None,
        password="hunter2",
        token="eyJhbGciOi.x.y",
        name="clashes with LogRecord.name",
    )
    (record,) = records
    assert record.getMessage() == "access_denied" and record.levelno == logging.INFO
    assert record.event == "access_denied"  # type: ignore[attr-defined]
    assert record.error_code == "token_invalid"  # type: ignore[attr-defined]
    assert record.field_name == "clashes with LogRecord.name"  # type: ignore[attr-defined]
    payload = record.audit  # type: ignore[attr-defined]
    assert set(payload) == {"time", "event", "error_code", "status_code", "name"}
    assert "hunter2" not in str(record.__dict__) and "eyJ" not in str(record.__dict__)


def test_callback_without_logging() -> None:
    calls: list[dict[str, Any]] = []
    audit.emit("token_issued", user_id="u1")  # off: no handler, no callback, no error
    audit.emit("token_issued", on_event=calls.append, user_id="u1")
    assert [c["event"] for c in calls] == ["token_issued"]


def test_process_handler_and_failing_callbacks(caplog: pytest.LogCaptureFixture) -> None:
    got: list[dict[str, Any]] = []
    previous = audit.set_handler(got.append)
    try:

        def broken(payload: dict[str, Any]) -> None:
            raise RuntimeError(f"boom {payload}")

        with caplog.at_level(logging.ERROR, logger="netrun_auth"):
            audit.emit("login_failed", on_event=broken, username_id="u0")
        assert [g["event"] for g in got] == ["login_failed"]
        (failure,) = [r for r in caplog.records if r.name == "netrun_auth"]
        assert "RuntimeError" in failure.getMessage() and "u0" not in failure.getMessage()
    finally:
        audit.set_handler(previous)


def test_http_binding_and_scope_fields() -> None:
    got: list[dict[str, Any]] = []
    token = audit.bind_http("POST", "/login", "192.0.2.1")
    try:
        audit.emit("login_failed", on_event=got.append)
    finally:
        audit.unbind_http(token)
    audit.emit("login_failed", on_event=got.append)
    assert got[0]["method"] == "POST" and got[0]["path"] == "/login"
    assert got[0]["client_ip"] == "192.0.2.1" and "method" not in got[1]
    fields = audit.http_fields(
        {"type": "http", "method": "GET", "path": "/me", "client": ("192.0.2.2", 5)}
    )
    assert fields["method"] == "GET" and fields["client_ip"] == "192.0.2.2"


def test_json_formatter_through_dict_config(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"audit": {"()": "netrun_auth.audit.JsonFormatter"}},
            "handlers": {
                "audit_file": {
                    "class": "logging.FileHandler",
                    "filename": str(path),
                    "formatter": "audit",
                }
            },
            "loggers": {"netrun_auth.audit": {"handlers": ["audit_file"], "level": "INFO"}},
        }
    )
    logger = logging.getLogger(audit.LOGGER_NAME)
    try:
        audit.emit("token_revoked", user_id="u1", jti="j1", session_id="s1")
        audit.emit("refresh_reuse_detected", user_id="u1")
        logger.info("plain %s", "line")
    finally:
        for handler in list(logger.handlers):
            if isinstance(handler, logging.FileHandler):
                logger.removeHandler(handler)
                handler.close()
        logger.setLevel(logging.NOTSET)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["event"] == "token_revoked" and lines[0]["level"] == "INFO"
    assert lines[0]["jti"] == "j1" and lines[0]["time"].endswith("Z")
    assert lines[1]["level"] == "WARNING"
    assert lines[2]["message"] == "plain line" and lines[2]["logger"] == "netrun_auth.audit"


async def test_token_lifecycle_events_once_each(
    make_config: Callable[..., AuthConfig], records: list[logging.LogRecord]
) -> None:
    got: list[dict[str, Any]] = []
    manager = JWTManager(make_config("EdDSA"), on_event=got.append)
    pair = await manager.generate_token_pair("u1", "org1", ["user"])
    access = await manager.validate_token(pair.access_token)
    refreshed = await manager.refresh_token(pair.refresh_token)
    with pytest.raises(TokenReuseError):
        await manager.refresh_token(pair.refresh_token)
    await manager.revoke_token(refreshed.access_token)
    other = await manager.generate_token_pair("u1", "org1")
    await manager.logout(other.access_token)
    await manager.logout_all("u1")
    names = [e["event"] for e in got]
    assert names == [
        "token_issued",
        "token_refreshed",  # the successor pair: one event, not a second token_issued
        "refresh_reuse_detected",
        "token_revoked",
        "token_issued",
        "token_revoked",
        "session_revoked",
        "user_logged_out_everywhere",
    ]
    assert [r.audit["event"] for r in records] == names  # type: ignore[attr-defined]
    issued = got[0]
    assert issued["user_id"] == "u1" and issued["organization_id"] == "org1"
    assert issued["session_id"] == pair.session_id and issued["jti"] == access.jti
    assert got[1]["session_id"] == pair.session_id and got[1]["jti"] != access.jti
    assert got[2]["session_id"] == pair.session_id
    assert got[7] | {"time": 0} == {
        "time": 0,
        "event": "user_logged_out_everywhere",
        "user_id": "u1",
    }
    dump = json.dumps(got) + "".join(str(r.__dict__) for r in records)
    for secret in (pair.access_token, pair.refresh_token, refreshed.refresh_token):
        assert secret not in dump and secret.split(".")[2] not in dump
