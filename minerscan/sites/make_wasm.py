"""Assemble the demo miner's WebAssembly module byte by byte.

Run ``python -m minerscan.sites.make_wasm`` to rewrite ``demo_site/static/m.wasm``. The module is
a stand-in for a CryptoNight-style miner core, written here from scratch so detection has
something realistic to look at:

- a Keccak-f[1600] permutation (i64 xor / and / rotl, fully unrolled rounds) that absorbs the
  job blob and squeezes the result;
- an AES-like round (``aes_round``): four columns, each the xor of four lookups in a 1 KiB
  T-table (a byte picked with a shift and ``& 0xff``, the word rotated by 8/16/24) and a round
  key. The table is our own (an invertible byte map of our choosing, spread over the four bytes
  of a word like AES's MixColumns), not AES's: it looks and costs like AES without being it;
- a memory-hard main loop over a 2 MiB scratchpad addressed with the mask 0x1FFFF0, shaped like
  CryptoNight's: read a 16-byte line at ``a``, encrypt it with ``a`` as the key, write ``b ^ c``
  back, then read a second line at ``c``, multiply into ``a`` and write ``a`` there. Before
  the first hash, ``fill_scratchpad`` chains the AES-like round through all 2 MiB, so the loop
  reads pseudo-random data (on zeros, ``a`` would never change and the walk would stay put).

Exports: ``memory``; ``keccak(rounds: i32)`` permutes the 25-lane state at STATE;
``hash(nonce: i32, iterations: i32) -> i32`` hashes the 76-byte blob at BLOB with ``nonce``
written at byte 39, leaves 32 result bytes at OUT and returns their top 32 bits. A "name"
section names the four functions, as a compiler's debug build would.
The scratchpad is filled once per instance and carries over between calls (a real miner refills
it from the Keccak state for every hash, 2 MiB of AES per nonce, far too slow for a demo);
results are not a verifiable proof of work (the pool emulator does not check them). With the
512 steps per hash m-hash.js asks for, a worker makes about 10,000 hashes a second, most of the
time spent waiting on scratchpad reads, so at the pool emulator's default target it finds a
share every few seconds.
"""

from __future__ import annotations

from pathlib import Path

PAGE_BYTES = 0x10000
BLOB, OUT, STATE, ROUND_CONSTANTS = 0, 128, 256, 512
AES_KEY, AES_OUT, T_TABLE = 768, 784, 1024  # 16-byte round key, 16-byte result, 256 words
PAD_READY = 800  # i32: set once the scratchpad has been filled
SCRATCHPAD, SCRATCHPAD_BYTES, SCRATCHPAD_MASK = 0x10000, 0x200000, 0x1FFFF0
MEMORY_PAGES = -(-(SCRATCHPAD + SCRATCHPAD_BYTES) // PAGE_BYTES)  # 33: exactly what is addressed
KECCAK, HASH, AES_ROUND, FILL = 0, 1, 2, 3  # function indices
OUTPUT = Path(__file__).resolve().parent.parent / "demo_site" / "static" / "m.wasm"

# Keccak rho offsets, indexed [x][y] as in the FIPS 202 description.
RHO = [
    [0, 36, 3, 41, 18],
    [1, 44, 10, 45, 2],
    [62, 6, 43, 15, 61],
    [28, 55, 25, 21, 56],
    [27, 20, 39, 8, 14],
]

I32, I64 = 0x7F, 0x7E
# Opcodes used below.
LOCAL_GET, LOCAL_SET, LOCAL_TEE = 0x20, 0x21, 0x22
I32_CONST, I64_CONST = 0x41, 0x42
I32_ADD, I32_AND, I32_LT_U, I32_WRAP_I64 = 0x6A, 0x71, 0x49, 0xA7
I32_XOR, I32_SHL, I32_SHR_U, I32_ROTL = 0x73, 0x74, 0x76, 0x77
I64_ADD, I64_MUL, I64_AND, I64_XOR, I64_ROTL, I64_SHR_U = 0x7C, 0x7E, 0x83, 0x85, 0x89, 0x88
I64_LOAD, I64_STORE, I32_LOAD, I32_STORE = 0x29, 0x37, 0x28, 0x36
LOOP, IF, BR_IF, END, CALL, VOID = 0x03, 0x04, 0x0D, 0x0B, 0x10, 0x40
I32_EQZ = 0x45


def uleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def sleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        done = (value == 0 and not byte & 0x40) or (value == -1 and byte & 0x40)
        out.append(byte | (0 if done else 0x80))
        if done:
            return bytes(out)


def vec(items: list[bytes]) -> bytes:
    return uleb(len(items)) + b"".join(items)


def section(section_id: int, body: bytes) -> bytes:
    return bytes([section_id]) + uleb(len(body)) + body


def name(text: str) -> bytes:
    return uleb(len(text)) + text.encode()


def sbox() -> list[int]:
    """Our byte substitution: multiply by an odd number, add, rotate, xor. Each step is a
    bijection on bytes, so the table is a permutation, as a cipher's S-box must be."""
    out = []
    for x in range(256):
        y = (x * 0x35 + 0x5B) & 0xFF
        y = ((y << 3) | (y >> 5)) & 0xFF
        out.append(y ^ 0xC6)
    return out


def xtime(b: int) -> int:
    """Multiply by 2 in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1."""
    return ((b << 1) ^ 0x1B) & 0xFF if b & 0x80 else b << 1


def t_table() -> list[int]:
    """One word per byte: its substitute times (2, 1, 1, 3), low byte first, the way an AES
    T-table folds SubBytes and MixColumns into one lookup."""
    words = []
    for s in sbox():
        words.append(xtime(s) | s << 8 | s << 16 | (xtime(s) ^ s) << 24)
    return words


def round_constants() -> list[int]:
    """Keccak's iota constants, generated by its degree-8 LFSR rather than typed in."""
    state, constants = 1, []
    for _ in range(24):
        rc = 0
        for j in range(7):
            if state & 1:
                rc |= 1 << ((1 << j) - 1)
            state = ((state << 1) ^ 0x71) & 0xFF if state & 0x80 else state << 1
        constants.append(rc)
    return constants


class Body:
    """A function body under construction."""

    def __init__(self) -> None:
        self.code = bytearray()

    def op(self, *codes: int) -> Body:
        self.code.extend(codes)
        return self

    def get(self, index: int) -> Body:
        return self.op(LOCAL_GET).raw(uleb(index))

    def set(self, index: int) -> Body:
        return self.op(LOCAL_SET).raw(uleb(index))

    def tee(self, index: int) -> Body:
        return self.op(LOCAL_TEE).raw(uleb(index))

    def i32(self, value: int) -> Body:
        return self.op(I32_CONST).raw(sleb(value))

    def i64(self, value: int) -> Body:
        signed = value - (1 << 64) if value >= 1 << 63 else value
        return self.op(I64_CONST).raw(sleb(signed))

    def load64(self, offset: int) -> Body:
        return self.op(I64_LOAD, 3).raw(uleb(offset))

    def store64(self, offset: int) -> Body:
        return self.op(I64_STORE, 3).raw(uleb(offset))

    def load32(self, offset: int) -> Body:
        return self.op(I32_LOAD, 2).raw(uleb(offset))

    def store32(self, offset: int) -> Body:
        return self.op(I32_STORE, 2).raw(uleb(offset))

    def raw(self, data: bytes) -> Body:
        self.code.extend(data)
        return self

    def finish(self, locals_: list[tuple[int, int]]) -> bytes:
        decls = vec([uleb(count) + bytes([kind]) for count, kind in locals_])
        body = decls + bytes(self.code) + bytes([END])
        return uleb(len(body)) + body


def keccak_function() -> bytes:
    """keccak(rounds): load the state into locals, run ``rounds`` rounds, store it back."""
    rounds = 0
    a = [1 + i for i in range(25)]
    b = [26 + i for i in range(25)]
    c = [51 + i for i in range(5)]
    d = [56 + i for i in range(5)]
    counter = 61
    f = Body()
    for lane in range(25):
        f.i32(0).load64(STATE + 8 * lane).set(a[lane])
    f.i32(0).set(counter)
    f.op(LOOP, VOID)
    # theta: column parities, then each lane mixes in two neighbouring columns.
    for x in range(5):
        f.get(a[x])
        for y in range(1, 5):
            f.get(a[x + 5 * y]).op(I64_XOR)
        f.set(c[x])
    for x in range(5):
        f.get(c[(x + 4) % 5]).get(c[(x + 1) % 5]).i64(1).op(I64_ROTL, I64_XOR).set(d[x])
    for x in range(5):
        for y in range(5):
            f.get(a[x + 5 * y]).get(d[x]).op(I64_XOR).set(a[x + 5 * y])
    # rho and pi: rotate every lane and move it to its new place.
    for x in range(5):
        for y in range(5):
            f.get(a[x + 5 * y])
            if RHO[x][y]:
                f.i64(RHO[x][y]).op(I64_ROTL)
            f.set(b[y + 5 * ((2 * x + 3 * y) % 5)])
    # chi: the only non-linear step.
    for y in range(5):
        for x in range(5):
            f.get(b[x + 5 * y])
            f.get(b[(x + 1) % 5 + 5 * y]).i64(-1).op(I64_XOR)
            f.get(b[(x + 2) % 5 + 5 * y]).op(I64_AND, I64_XOR)
            f.set(a[x + 5 * y])
    # iota: the round constant, read from the table the data segment fills.
    f.get(a[0]).get(counter).i32(8).op(0x6C)  # i32.mul
    f.load64(ROUND_CONSTANTS).op(I64_XOR).set(a[0])
    f.get(counter).i32(1).op(I32_ADD).tee(counter).get(rounds).op(I32_LT_U, BR_IF, 0)
    f.op(END)
    for lane in range(25):
        f.i32(0).get(a[lane]).store64(STATE + 8 * lane)
    return f.finish([(60, I64), (1, I32)])


def aes_round_function() -> bytes:
    """aes_round(line): one T-table round of the 16 bytes at ``line`` keyed with AES_KEY, to
    AES_OUT. Column j takes byte 0 of word j, byte 1 of word j+1, byte 2 of word j+2 and byte 3
    of word j+3 (ShiftRows), looks each up and rotates it into place (MixColumns)."""
    line, column = 0, 5
    words = [1, 2, 3, 4]
    f = Body()
    for j in range(4):
        f.get(line).load32(4 * j).set(words[j])
    for j in range(4):
        for k in range(4):
            f.get(words[(j + k) % 4])
            if k == 3:
                f.i32(24).op(I32_SHR_U)  # the top byte needs no mask
            else:
                if k:
                    f.i32(8 * k).op(I32_SHR_U)
                f.i32(0xFF).op(I32_AND)
            f.i32(2).op(I32_SHL).load32(T_TABLE)
            if k:
                f.i32(8 * k).op(I32_ROTL, I32_XOR)
        f.i32(0).load32(AES_KEY + 4 * j).op(I32_XOR).set(column)
        f.i32(0).get(column).store32(AES_OUT + 4 * j)
    return f.finish([(5, I32)])


def hash_function() -> bytes:
    """hash(nonce, iterations) -> top 32 bits of the 32-byte result."""
    nonce, iterations = 0, 1
    a0, a1, b0, b1, c0, c1, d0, d1 = 2, 3, 4, 5, 6, 7, 8, 9
    index, counter = 10, 11
    f = Body()
    f.i32(39).get(nonce).op(I32_STORE, 0, 0)  # byte 39 is unaligned: alignment hint 2**0
    for lane in range(25):  # absorb: blob lanes (zero-padded to 80 bytes), the rest cleared
        f.i32(0)
        f.i32(0).load64(BLOB + 8 * lane) if lane < 10 else f.i64(0)
        f.store64(STATE + 8 * lane)
    f.i32(0).i32(0).load64(STATE + 8 * 16).i64(1 << 63).op(I64_XOR).store64(STATE + 8 * 16)
    f.i32(24).op(CALL, KECCAK)
    f.i32(0).load32(PAD_READY).op(I32_EQZ, IF, VOID).op(CALL, FILL)
    f.i32(0).i32(1).store32(PAD_READY).op(END)
    # a and b, two 128-bit registers, from the first 64 bytes of the Keccak state
    for reg, lane in ((a0, 0), (a1, 1), (b0, 2), (b1, 3)):
        f.i32(0).load64(STATE + 8 * lane).i32(0).load64(STATE + 8 * (lane + 4))
        f.op(I64_XOR).set(reg)
    f.i32(0).set(counter)
    # The memory-hard loop: data-dependent reads and writes all over the scratchpad.
    f.op(LOOP, VOID)
    f.get(a0).op(I32_WRAP_I64).i32(SCRATCHPAD_MASK).op(I32_AND).i32(SCRATCHPAD).op(I32_ADD)
    f.set(index)
    f.i32(0).get(a0).store64(AES_KEY).i32(0).get(a1).store64(AES_KEY + 8)
    f.get(index).op(CALL, AES_ROUND)
    f.i32(0).load64(AES_OUT).set(c0).i32(0).load64(AES_OUT + 8).set(c1)
    f.get(index).get(b0).get(c0).op(I64_XOR).store64(0)
    f.get(index).get(b1).get(c1).op(I64_XOR).store64(8)
    f.get(c0).set(b0).get(c1).set(b1)
    f.get(c0).op(I32_WRAP_I64).i32(SCRATCHPAD_MASK).op(I32_AND).i32(SCRATCHPAD).op(I32_ADD)
    f.set(index)
    f.get(index).load64(0).set(d0).get(index).load64(8).set(d1)
    # a += c * d: the high word from the high halves (wasm has no 64x64->128 multiply)
    f.get(a0).get(c0).i64(32).op(I64_SHR_U).get(d0).i64(32).op(I64_SHR_U, I64_MUL, I64_ADD)
    f.set(a0)
    f.get(a1).get(c0).get(d0).op(I64_MUL, I64_ADD).set(a1)
    f.get(index).get(a0).store64(0).get(index).get(a1).store64(8)
    f.get(a0).get(d0).op(I64_XOR).set(a0).get(a1).get(d1).op(I64_XOR).set(a1)
    f.get(counter).i32(1).op(I32_ADD).tee(counter).get(iterations).op(I32_LT_U, BR_IF, 0)
    f.op(END)
    for reg, lane in ((a0, 0), (a1, 1), (b0, 2), (b1, 3)):
        f.i32(0).i32(0).load64(STATE + 8 * lane).get(reg).op(I64_XOR).store64(STATE + 8 * lane)
    f.i32(24).op(CALL, KECCAK)
    for lane in range(4):
        f.i32(0).i32(0).load64(STATE + 8 * lane).store64(OUT + 8 * lane)
    f.i32(0).load64(STATE + 24).i64(32).op(I64_SHR_U, I32_WRAP_I64)
    return f.finish([(8, I64), (2, I32)])


def fill_function() -> bytes:
    """fill_scratchpad(): seed the first line and key from the Keccak state, then each line is
    the AES-like round of the one before it, through all of the scratchpad."""
    index = 0
    f = Body()
    for word in range(2):
        f.i32(0).i32(0).load64(STATE + 8 * (8 + word)).store64(AES_KEY + 8 * word)
        f.i32(0).i32(0).load64(STATE + 8 * (10 + word)).store64(SCRATCHPAD + 8 * word)
    f.i32(SCRATCHPAD).set(index)
    f.op(LOOP, VOID)
    f.get(index).op(CALL, AES_ROUND)
    f.get(index).i32(16).op(I32_ADD).set(index)
    f.get(index).i32(0).load64(AES_OUT).store64(0)
    f.get(index).i32(0).load64(AES_OUT + 8).store64(8)
    f.get(index).i32(SCRATCHPAD + SCRATCHPAD_BYTES - 16).op(I32_LT_U, BR_IF, 0)
    f.op(END)
    return f.finish([(1, I32)])


def data_segment(address: int, content: bytes) -> bytes:
    return (
        uleb(0) + bytes([I32_CONST]) + sleb(address) + bytes([END]) + uleb(len(content)) + content
    )


def name_section(names: list[tuple[int, str]]) -> bytes:
    """The custom "name" section with its function-names subsection."""
    function_names = vec([uleb(index) + name(text) for index, text in names])
    return section(0, name("name") + bytes([1]) + uleb(len(function_names)) + function_names)


def build_module() -> bytes:
    types = vec(
        [
            bytes([0x60]) + vec([bytes([I32])]) + vec([]),
            bytes([0x60]) + vec([bytes([I32]), bytes([I32])]) + vec([bytes([I32])]),
            bytes([0x60]) + vec([]) + vec([]),
        ]
    )
    functions = vec([uleb(0), uleb(1), uleb(0), uleb(2)])  # keccak, hash, aes_round, fill
    memory = vec([bytes([0x00]) + uleb(MEMORY_PAGES)])
    exports = vec(
        [
            name("memory") + bytes([0x02]) + uleb(0),
            name("keccak") + bytes([0x00]) + uleb(KECCAK),
            name("hash") + bytes([0x00]) + uleb(HASH),
        ]
    )
    code = vec([keccak_function(), hash_function(), aes_round_function(), fill_function()])
    constants = b"".join(rc.to_bytes(8, "little") for rc in round_constants())
    table = b"".join(word.to_bytes(4, "little") for word in t_table())
    data = vec([data_segment(ROUND_CONSTANTS, constants), data_segment(T_TABLE, table)])
    return (
        b"\0asm"
        + (1).to_bytes(4, "little")
        + section(1, types)
        + section(3, functions)
        + section(5, memory)
        + section(7, exports)
        + section(10, code)
        + section(11, data)
        + name_section(
            [
                (KECCAK, "keccak"),
                (HASH, "hash"),
                (AES_ROUND, "aes_round"),
                (FILL, "fill_scratchpad"),
            ]
        )
    )


def main() -> None:
    module = build_module()
    OUTPUT.write_bytes(module)
    print(f"wrote {OUTPUT} ({len(module)} bytes)")


if __name__ == "__main__":
    main()
