"""Shared fixtures: the tiny quirk fixtures in tests/data and the third-party exports
in ../shared/data (skipped, with the reason, where that folder is absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SCOPING_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def data() -> Path:
    """The folder of hand-made quirk fixtures."""
    return DATA


@pytest.fixture
def shared() -> Path:
    """The third-party exports, or a clean skip that says where they were looked for."""
    if not SHARED.is_dir():
        pytest.skip(f"third-party exports not found at {SHARED}; set SCOPING_SHARED_DATA")
    return SHARED
