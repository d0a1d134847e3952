"""Helpers shared by the tests (no tests here, and no fixtures: those are in conftest.py)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the project's root folder
