"""Loaded by every Python process a test starts (tests/conftest.py puts this folder on
PYTHONPATH): the same network guard as in the test process itself."""

from network_guard_rules import install

install()
