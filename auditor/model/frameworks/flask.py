"""The Flask adapter (being written)."""

from __future__ import annotations

from .base import Collected, FrameworkAdapter


class FlaskAdapter(FrameworkAdapter):
    name = "flask"
    markers = ("flask",)

    def collect(self, out: Collected) -> None:
        return None
