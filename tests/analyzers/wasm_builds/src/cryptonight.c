/* A CryptoNight-shaped hash after the CryptoNote standard (CNS008): Keccak state, AES-256 key
 * expansion, scratchpad fill with ten AES rounds per block, the memory-hard main loop (AES round,
 * masked scratchpad address, 64x64->128 multiply), scratchpad fold back into the state, Keccak-f
 * and a BLAKE-256 finaliser (the one of the four finalisers implemented here).
 *
 * CN_MEMORY: scratchpad bytes (2 MiB; 256 KiB for the "lite" build).
 * CN_RUNTIME_SIZE: the scratchpad size, and with it the mask and the iteration count, computed
 *                  at run time from the variant argument (no literal mask in the code).
 * CN_INT128: the multiply through unsigned __int128 (a __multi3 call) instead of 32-bit halves. */
#include "common.h"

#ifndef CN_MEMORY
#define CN_MEMORY (1u << 21)
#endif
#ifndef EXPORT_NAME
#define EXPORT_NAME cryptonight_hash
#endif

static u8 scratchpad[CN_MEMORY] __attribute__((aligned(16)));

typedef union {
    u8 b[200];
    u64 w[25];
    u32 d[50];
} cn_state;

static inline u64 mul128(u64 a, u64 b, u64 *hi) {
#ifdef CN_INT128
    unsigned __int128 r = (unsigned __int128)a * b;
    *hi = (u64)(r >> 64);
    return (u64)r;
#else
    u64 al = (u32)a, ah = a >> 32, bl = (u32)b, bh = b >> 32;
    u64 p0 = al * bl, p1 = al * bh, p2 = ah * bl, p3 = ah * bh;
    u64 mid = (p0 >> 32) + (u32)p1 + (u32)p2;
    *hi = p3 + (p1 >> 32) + (p2 >> 32) + (mid >> 32);
    return (mid << 32) | (u32)p0;
#endif
}

static void aes_ten_rounds(u32 block[4], const u32 rk[40]) {
    for (int r = 0; r < 10; r++) aes_round(block, rk + 4 * r);
}

WB_API void EXPORT_NAME(u8 *out, const u8 *in, u32 len, u32 variant) {
    cn_state st;
    u32 rk[40], text[32];
#ifdef CN_RUNTIME_SIZE
    u32 memory = 1u << (21 - (variant & 3));
#else
    u32 memory = CN_MEMORY;
    (void)variant;
#endif
    u32 mask = memory - 16, iterations = memory / 4;

    keccak1600(in, len, st.b);
    aes_expand_key(st.b, rk);
    memcpy(text, st.b + 64, 128);
    for (u32 off = 0; off < memory; off += 128) {
        for (int blk = 0; blk < 8; blk++) aes_ten_rounds(text + 4 * blk, rk);
        memcpy(scratchpad + off, text, 128);
    }

    u64 a[2] = {st.w[0] ^ st.w[4], st.w[1] ^ st.w[5]};
    u64 b[2] = {st.w[2] ^ st.w[6], st.w[3] ^ st.w[7]};
    for (u32 i = 0; i < iterations; i++) {
        u64 *p = (u64 *)(scratchpad + ((u32)a[0] & mask));
        u32 c32[4] = {(u32)p[0], (u32)(p[0] >> 32), (u32)p[1], (u32)(p[1] >> 32)};
        u32 k32[4] = {(u32)a[0], (u32)(a[0] >> 32), (u32)a[1], (u32)(a[1] >> 32)};
        aes_round(c32, k32);
        u64 c0 = c32[0] | (u64)c32[1] << 32, c1 = c32[2] | (u64)c32[3] << 32;
        p[0] = b[0] ^ c0;
        p[1] = b[1] ^ c1;
        p = (u64 *)(scratchpad + ((u32)c0 & mask));
        u64 d0 = p[0], d1 = p[1], hi, lo = mul128(c0, d0, &hi);
        a[0] += hi;
        a[1] += lo;
        p[0] = a[0];
        p[1] = a[1];
        a[0] ^= d0;
        a[1] ^= d1;
        b[0] = c0;
        b[1] = c1;
    }

    aes_expand_key(st.b + 32, rk);
    memcpy(text, st.b + 64, 128);
    for (u32 off = 0; off < memory; off += 128) {
        for (int i = 0; i < 32; i++) text[i] ^= load32_le(scratchpad + off + 4 * i);
        for (int blk = 0; blk < 8; blk++) aes_ten_rounds(text + 4 * blk, rk);
    }
    memcpy(st.b + 64, text, 128);
    keccakf(st.w);
    blake256(st.b, 200, out);
}
