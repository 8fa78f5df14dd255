"""Keccak-256 (the original padding, 0x01, that CryptoNight starts from), to check shares.

hashlib has only SHA3-256 (padding 0x06). This is a plain, slow, obviously-correct sponge: a
pool checks a handful of shares per visit, and a test compares it with hashlib's SHA3-256.
"""

from __future__ import annotations

_MASK = (1 << 64) - 1
_ROT = [
    [0, 36, 3, 41, 18],
    [1, 44, 10, 45, 2],
    [62, 6, 43, 15, 61],
    [28, 55, 25, 21, 56],
    [27, 20, 39, 8, 14],
]


def _round_constants() -> list[int]:
    out, r = [], 1
    for _ in range(24):
        rc = 0
        for j in range(7):
            if r & 1:
                rc |= 1 << ((1 << j) - 1)
            r <<= 1
            if r & 0x100:
                r ^= 0x171
        out.append(rc)
    return out


_RC = _round_constants()


def _rotl(value: int, shift: int) -> int:
    return ((value << shift) | (value >> (64 - shift))) & _MASK if shift else value


def _permute(lanes: list[list[int]]) -> None:
    for rc in _RC:
        c = [lanes[x][0] ^ lanes[x][1] ^ lanes[x][2] ^ lanes[x][3] ^ lanes[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rotl(c[(x + 1) % 5], 1) for x in range(5)]
        for x in range(5):
            for y in range(5):
                lanes[x][y] ^= d[x]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = _rotl(lanes[x][y], _ROT[x][y])
        for x in range(5):
            for y in range(5):
                lanes[x][y] = b[x][y] ^ ((~b[(x + 1) % 5][y]) & b[(x + 2) % 5][y])
        lanes[0][0] ^= rc


def keccak256(data: bytes, pad: int = 0x01) -> bytes:
    rate = 136
    padded = bytearray(data) + bytearray(rate - len(data) % rate)
    padded[len(data)] ^= pad
    padded[-1] ^= 0x80
    lanes = [[0] * 5 for _ in range(5)]
    for offset in range(0, len(padded), rate):
        block = padded[offset : offset + rate]
        for i in range(rate // 8):
            lanes[i % 5][i // 5] ^= int.from_bytes(block[8 * i : 8 * i + 8], "little")
        _permute(lanes)
    out = b"".join(lanes[i % 5][i // 5].to_bytes(8, "little") for i in range(4))
    return out


def cryptonote_share_ok(blob_hex: str, nonce_hex: str, result_hex: str, target_hex: str) -> bool:
    """Is ``result`` Keccak-256 of the blob with the nonce at byte 39, and under the target?"""
    try:
        blob, nonce = bytearray(bytes.fromhex(blob_hex)), bytes.fromhex(nonce_hex)
        result, target = bytes.fromhex(result_hex), bytes.fromhex(target_hex)
    except ValueError:
        return False
    if len(nonce) != 4 or len(result) != 32 or len(target) != 4 or len(blob) < 43:
        return False
    blob[39:43] = nonce
    return keccak256(bytes(blob)) == result and int.from_bytes(
        result[28:], "little"
    ) < int.from_bytes(target, "little")
