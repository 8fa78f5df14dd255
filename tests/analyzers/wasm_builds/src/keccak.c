/* Keccak-f[1600] after FIPS 202: theta, rho+pi, chi, iota over 25 64-bit lanes.
 * KECCAK_RC_LFSR computes the round constants at run time with the rc(t) LFSR of the spec
 * instead of keeping a table of them. */
#include "common.h"

static const u8 rho_offsets[24] = {1,  3,  6,  10, 15, 21, 28, 36, 45, 55, 2,  14,
                                   27, 41, 56, 8,  25, 43, 62, 18, 39, 61, 20, 44};
static const u8 pi_lanes[24] = {10, 7,  11, 17, 18, 3, 5,  16, 8,  21, 24, 4,
                                15, 23, 19, 13, 12, 2, 20, 14, 22, 9,  6,  1};

#ifdef KECCAK_RC_LFSR
/* One bit of the rc LFSR (x^8 + x^6 + x^5 + x^4 + 1), stepped from its state. */
static int rc_bit(u32 *lfsr) {
    int bit = *lfsr & 1;
    *lfsr = (*lfsr & 0x80) ? ((*lfsr << 1) ^ 0x171) : (*lfsr << 1);
    return bit;
}
static u64 round_constant(u32 *lfsr) {
    u64 rc = 0;
    for (unsigned j = 0; j < 7; j++)
        if (rc_bit(lfsr)) rc |= (u64)1 << ((1u << j) - 1);
    return rc;
}
#else
static const u64 round_constants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808AULL, 0x8000000080008000ULL,
    0x000000000000808BULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008AULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000AULL,
    0x000000008000808BULL, 0x800000000000008BULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800AULL, 0x800000008000000AULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};
#endif

void keccakf(u64 st[25]) {
    u64 col[5];
#ifdef KECCAK_RC_LFSR
    u32 lfsr = 1;
#endif
    for (int round = 0; round < 24; round++) {
        for (int x = 0; x < 5; x++)
            col[x] = st[x] ^ st[x + 5] ^ st[x + 10] ^ st[x + 15] ^ st[x + 20];
        for (int x = 0; x < 5; x++) {
            u64 d = col[(x + 4) % 5] ^ rotl64(col[(x + 1) % 5], 1);
            for (int y = 0; y < 25; y += 5) st[y + x] ^= d;
        }
        u64 carry = st[1];
        for (int i = 0; i < 24; i++) {
            int lane = pi_lanes[i];
            u64 next = st[lane];
            st[lane] = rotl64(carry, rho_offsets[i]);
            carry = next;
        }
        for (int y = 0; y < 25; y += 5) {
            for (int x = 0; x < 5; x++) col[x] = st[y + x];
            for (int x = 0; x < 5; x++) st[y + x] = col[x] ^ (~col[(x + 1) % 5] & col[(x + 2) % 5]);
        }
#ifdef KECCAK_RC_LFSR
        st[0] ^= round_constant(&lfsr);
#else
        st[0] ^= round_constants[round];
#endif
    }
}

/* The original Keccak[c=512] sponge as CryptoNote uses it: rate 136, pad 0x01 ... 0x80,
 * the whole 200-byte state as output. */
void keccak1600(const u8 *in, u32 len, u8 out[200]) {
    u64 st[25];
    u8 block[136];
    memset(st, 0, sizeof st);
    while (len >= 136) {
        for (int i = 0; i < 17; i++) st[i] ^= load64_le(in + 8 * i);
        keccakf(st);
        in += 136;
        len -= 136;
    }
    memset(block, 0, sizeof block);
    memcpy(block, in, len);
    block[len] = 0x01;
    block[135] |= 0x80;
    for (int i = 0; i < 17; i++) st[i] ^= load64_le(block + 8 * i);
    keccakf(st);
    for (int i = 0; i < 25; i++) store64_le(out + 8 * i, st[i]);
}
