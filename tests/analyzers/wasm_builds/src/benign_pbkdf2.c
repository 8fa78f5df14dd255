/* A password hasher: PBKDF2-HMAC-SHA-256 (RFC 8018) over the SHA-256 in sha.c. */
#include "common.h"

typedef struct {
    u32 h[8];
    u8 buf[64];
    u32 used;
    u64 total;
} sha256_ctx;
void sha256_init(sha256_ctx *ctx);
void sha256_update(sha256_ctx *ctx, const u8 *in, u32 len);
void sha256_final(sha256_ctx *ctx, u8 out[32]);

static void hmac_sha256(const u8 *key, u32 keylen, const u8 *msg, u32 msglen, u8 out[32]) {
    u8 k[64], pad[64], inner[32];
    sha256_ctx ctx;
    memset(k, 0, 64);
    if (keylen > 64) sha256_digest(key, keylen, k);
    else memcpy(k, key, keylen);
    for (int i = 0; i < 64; i++) pad[i] = k[i] ^ 0x36;
    sha256_init(&ctx);
    sha256_update(&ctx, pad, 64);
    sha256_update(&ctx, msg, msglen);
    sha256_final(&ctx, inner);
    for (int i = 0; i < 64; i++) pad[i] = k[i] ^ 0x5c;
    sha256_init(&ctx);
    sha256_update(&ctx, pad, 64);
    sha256_update(&ctx, inner, 32);
    sha256_final(&ctx, out);
}

WB_API void pbkdf2_sha256(const u8 *password, u32 plen, const u8 *salt, u32 slen, u32 rounds,
                          u8 *out, u32 outlen) {
    u8 block[128], u[32], t[32];
    for (u32 index = 1, done = 0; done < outlen; index++) {
        u32 n = slen > 124 ? 124 : slen;
        memcpy(block, salt, n);
        store32_be(block + n, index);
        hmac_sha256(password, plen, block, n + 4, u);
        memcpy(t, u, 32);
        for (u32 r = 1; r < rounds; r++) {
            hmac_sha256(password, plen, u, 32, u);
            for (int i = 0; i < 32; i++) t[i] ^= u[i];
        }
        for (u32 i = 0; i < 32 && done < outlen; i++) out[done++] = t[i];
    }
}

WB_API int verify_password(const u8 *password, u32 plen, const u8 *salt, u32 slen,
                           const u8 expected[32]) {
    u8 got[32];
    u32 diff = 0;
    pbkdf2_sha256(password, plen, salt, slen, 100000, got, 32);
    for (int i = 0; i < 32; i++) diff |= got[i] ^ expected[i];
    return diff == 0;
}
