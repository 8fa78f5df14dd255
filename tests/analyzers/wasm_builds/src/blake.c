/* BLAKE-256 (the SHA-3 finalist, 14 rounds; CryptoNight's finaliser) and BLAKE2b (RFC 7693;
 * RandomX's input and output hash). */
#include "common.h"

static const u8 sigma[10][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0}};

/* the first digits of pi, BLAKE-256's constants */
static const u32 blake_c[16] = {0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344,
                                0xA4093822, 0x299F31D0, 0x082EFA98, 0xEC4E6C89,
                                0x452821E6, 0x38D01377, 0xBE5466CF, 0x34E90C6C,
                                0xC0AC29B7, 0xC97C50DD, 0x3F84D5B5, 0xB5470917};
static const u32 iv256[8] = {0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
                             0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19};

static void blake256_compress(u32 h[8], const u8 block[64], u64 counter, int last_empty) {
    u32 m[16], v[16];
    for (int i = 0; i < 16; i++) m[i] = load32_be(block + 4 * i);
    for (int i = 0; i < 8; i++) v[i] = h[i];
    for (int i = 0; i < 8; i++) v[8 + i] = blake_c[i];
    if (!last_empty) {
        v[12] ^= (u32)counter;
        v[13] ^= (u32)counter;
        v[14] ^= (u32)(counter >> 32);
        v[15] ^= (u32)(counter >> 32);
    }
    for (int r = 0; r < 14; r++) {
        const u8 *s = sigma[r % 10];
        for (int g = 0; g < 8; g++) {
            static const u8 idx[8][4] = {{0, 4, 8, 12}, {1, 5, 9, 13}, {2, 6, 10, 14},
                                         {3, 7, 11, 15}, {0, 5, 10, 15}, {1, 6, 11, 12},
                                         {2, 7, 8, 13}, {3, 4, 9, 14}};
            int a = idx[g][0], b = idx[g][1], c = idx[g][2], d = idx[g][3];
            u8 x = s[2 * g], y = s[2 * g + 1];
            v[a] += v[b] + (m[x] ^ blake_c[y]);
            v[d] = rotr32(v[d] ^ v[a], 16);
            v[c] += v[d];
            v[b] = rotr32(v[b] ^ v[c], 12);
            v[a] += v[b] + (m[y] ^ blake_c[x]);
            v[d] = rotr32(v[d] ^ v[a], 8);
            v[c] += v[d];
            v[b] = rotr32(v[b] ^ v[c], 7);
        }
    }
    for (int i = 0; i < 8; i++) h[i] ^= v[i] ^ v[8 + i];
}

void blake256(const u8 *in, u32 len, u8 out[32]) {
    u32 h[8];
    u8 tail[128];
    u64 bits = (u64)len * 8;
    u32 full = len & ~63u, n = len - full;
    for (int i = 0; i < 8; i++) h[i] = iv256[i];
    for (u32 i = 0; i < full; i += 64) blake256_compress(h, in + i, (u64)(i + 64) * 8, 0);
    memset(tail, 0, sizeof tail);
    memcpy(tail, in + full, n);
    tail[n] = 0x80;
    u32 end = n < 56 ? 64 : 128;
    tail[end - 9] |= 0x01;
    for (int i = 0; i < 8; i++) tail[end - 8 + i] = (u8)(bits >> (56 - 8 * i));
    /* a padding block that holds no message bits is compressed with a zero counter */
    blake256_compress(h, tail, bits, n == 0);
    if (end == 128) blake256_compress(h, tail + 64, 0, 1);
    for (int i = 0; i < 8; i++) store32_be(out + 4 * i, h[i]);
}

static const u64 iv512[8] = {0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
                             0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
                             0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};

static void blake2b_compress(u64 h[8], const u8 block[128], u64 counter, int last) {
    u64 m[16], v[16];
    for (int i = 0; i < 16; i++) m[i] = load64_le(block + 8 * i);
    for (int i = 0; i < 8; i++) {
        v[i] = h[i];
        v[i + 8] = iv512[i];
    }
    v[12] ^= counter;
    if (last) v[14] = ~v[14];
    for (int r = 0; r < 12; r++) {
        const u8 *s = sigma[r % 10];
        for (int g = 0; g < 8; g++) {
            static const u8 idx[8][4] = {{0, 4, 8, 12}, {1, 5, 9, 13}, {2, 6, 10, 14},
                                         {3, 7, 11, 15}, {0, 5, 10, 15}, {1, 6, 11, 12},
                                         {2, 7, 8, 13}, {3, 4, 9, 14}};
            int a = idx[g][0], b = idx[g][1], c = idx[g][2], d = idx[g][3];
            v[a] += v[b] + m[s[2 * g]];
            v[d] = rotr64(v[d] ^ v[a], 32);
            v[c] += v[d];
            v[b] = rotr64(v[b] ^ v[c], 24);
            v[a] += v[b] + m[s[2 * g + 1]];
            v[d] = rotr64(v[d] ^ v[a], 16);
            v[c] += v[d];
            v[b] = rotr64(v[b] ^ v[c], 63);
        }
    }
    for (int i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
}

void blake2b(const u8 *in, u32 len, u8 *out, u32 outlen) {
    u64 h[8];
    u8 block[128];
    u64 counter = 0;
    for (int i = 0; i < 8; i++) h[i] = iv512[i];
    h[0] ^= 0x01010000ULL ^ outlen;
    while (len > 128) {
        counter += 128;
        blake2b_compress(h, in, counter, 0);
        in += 128;
        len -= 128;
    }
    memset(block, 0, 128);
    memcpy(block, in, len);
    blake2b_compress(h, block, counter + len, 1);
    for (u32 i = 0; i < outlen; i++) out[i] = (u8)(h[i / 8] >> (8 * (i % 8)));
}
