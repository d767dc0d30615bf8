"""A load generator for the fault tests: concurrent ``GET /me`` over real HTTP with live
and revoked tokens, every answer recorded with its time, and the questions the tests
ask of them (which statuses each kind of token got, when service was back)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx


@dataclass(frozen=True)
class Answer:
    sent: float  # time.monotonic() when the request was sent
    at: float  # time.monotonic() when the answer arrived
    status: int  # 0: no HTTP answer at all (connection error)
    revoked: bool  # the token was revoked before the fault


@dataclass
class Load:
    """``concurrency`` clients looping ``GET /me`` on ``url`` until :meth:`stop`; one
    request in ``revoked_every`` carries a revoked token."""

    url: str
    live: list[str]
    revoked: list[str]
    concurrency: int = 8
    revoked_every: int = 4
    answers: list[Answer] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def __aenter__(self) -> Load:
        self._client = httpx.AsyncClient(
            base_url=self.url,
            timeout=10.0,
            limits=httpx.Limits(max_connections=self.concurrency),
        )
        self._tasks = [asyncio.create_task(self._worker(i)) for i in range(self.concurrency)]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._client.aclose()

    async def _worker(self, index: int) -> None:
        live = itertools.cycle(self.live[index:] + self.live[:index])
        revoked = itertools.cycle(self.revoked[index:] + self.revoked[:index])
        for n in itertools.count():
            if self._stop.is_set():
                return
            is_revoked = bool(self.revoked) and n % self.revoked_every == 0
            token = next(revoked) if is_revoked else next(live)
            sent = time.monotonic()
            try:
                response = await self._client.get(
                    "/me", headers={"Authorization": f"Bearer {token}"}
                )
                status = response.status_code
            except httpx.HTTPError:
                status = 0
            self.answers.append(Answer(sent, time.monotonic(), status, is_revoked))

    # --- what the tests ask ------------------------------------------------------------

    def statuses(self, *, revoked: bool) -> Counter[int]:
        """How many answers of each status the live (or the revoked) tokens got."""
        return Counter(a.status for a in self.answers if a.revoked == revoked)

    def live_failures_sent_after(self, since: float) -> list[Answer]:
        """Failed answers to live tokens whose request was sent at ``since`` or later."""
        return [a for a in self.answers if not a.revoked and a.sent >= since and a.status != 200]

    def recovery_after(self, since: float) -> float:
        """Seconds from ``since`` to the sending of the last live request that failed
        (0: every request sent from ``since`` on succeeded)."""
        failures = self.live_failures_sent_after(since)
        return max(a.sent for a in failures) - since if failures else 0.0

    def first_success_after(self, since: float) -> float:
        """Seconds from ``since`` to the first 200 for a live request sent from then on."""
        return (
            min(
                (
                    a.at
                    for a in self.answers
                    if not a.revoked and a.sent >= since and a.status == 200
                ),
                default=float("inf"),
            )
            - since
        )

    async def until_recovered(self, seconds: float = 30.0, streak: int = 50) -> float:
        """Wait until ``streak`` live answers in a row are 200; the time of the first of
        them (``time.monotonic()``). Raises ``AssertionError`` after ``seconds``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            live = [a for a in self.answers if not a.revoked]
            tail = live[-streak:]
            if len(tail) == streak and all(a.status == 200 for a in tail):
                return tail[0].at
            await asyncio.sleep(0.05)
        raise AssertionError(f"no recovery within {seconds} s: {self.statuses(revoked=False)}")

    async def wait_answers(self, count: int, seconds: float = 30.0) -> None:
        """Wait until ``count`` more answers have arrived."""
        target = len(self.answers) + count
        deadline = time.monotonic() + seconds
        while len(self.answers) < target:
            assert time.monotonic() < deadline, "the load generator stalled"
            await asyncio.sleep(0.01)
