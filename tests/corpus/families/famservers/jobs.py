"""Work items the pools hand out: CryptoNote-shaped hashing blobs and compact targets.

A Monero hashing blob is 76 bytes with the 4-byte nonce at offset 39; a web-miner target is
8 hex digits, a little-endian uint32 that the last 4 bytes of the hash must stay under. The
difficulty here is low on purpose: a throttled JavaScript miner on a busy 2-core machine must
find a share within a second or two so a short visit shows results going back.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import secrets

BLOB_BYTES = 76
NONCE_OFFSET = 39
_counter = itertools.count(1)


def blob_hex() -> str:
    blob = bytearray(os.urandom(BLOB_BYTES))
    blob[0:2] = b"\x0e\x0e"  # major/minor version bytes as real blobs start
    blob[NONCE_OFFSET : NONCE_OFFSET + 4] = b"\0\0\0\0"
    return blob.hex()


def compact_target(difficulty: int) -> str:
    """The 8-hex-digit little-endian target for ``difficulty`` (0xffffffff / difficulty)."""
    value = max(1, 0xFFFFFFFF // max(1, difficulty))
    return value.to_bytes(4, "little").hex()


def job_id() -> str:
    return f"{next(_counter):04d}{secrets.token_hex(6)}"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + (8 - byte.bit_length())
    return bits
