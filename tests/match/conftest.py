"""Fixtures of the matching tests."""

from __future__ import annotations

import pytest

from recon_lib.db import Database


@pytest.fixture
def db():
    database = Database(":memory:")
    yield database
    database.close()
