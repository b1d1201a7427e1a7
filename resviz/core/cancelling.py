"""Slow work a person can stop: the exception that says so, which is not a failure."""


class Cancelled(Exception):
    """Raised by slow work (clustering, decoding a folder) when its ``cancelled()`` check turns true."""
