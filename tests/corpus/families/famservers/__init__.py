"""Servers for the families corpus: the static site, one pool per protocol, benign back ends.

Everything binds 127.0.0.1 (and ::1 for the ``localhost`` origin) on free ports and runs on one
asyncio loop in a background thread, so synchronous pytest code only ever waits on futures.
"""
