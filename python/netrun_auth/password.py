"""Password hashing (being completed in the password work)."""

from __future__ import annotations

from typing import Any


class PasswordManager:
    def __init__(self, config: Any = None) -> None:
        self.config = config
