/* Shared types and export plumbing for the fingerprint test builds (freestanding C). */
#ifndef WB_COMMON_H
#define WB_COMMON_H

#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

/* The entry point's C name is its export name (emscripten exports the C name as it is). */
#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#define WB_API EMSCRIPTEN_KEEPALIVE
#else
#define WB_API __attribute__((used, visibility("default")))
#endif

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

static inline u32 rotl32(u32 x, unsigned n) { return (x << n) | (x >> ((32 - n) & 31)); }
static inline u32 rotr32(u32 x, unsigned n) { return (x >> n) | (x << ((32 - n) & 31)); }
static inline u64 rotl64(u64 x, unsigned n) { return (x << n) | (x >> ((64 - n) & 63)); }
static inline u64 rotr64(u64 x, unsigned n) { return (x >> n) | (x << ((64 - n) & 63)); }

static inline u32 load32_le(const u8 *p) {
    return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}
static inline u32 load32_be(const u8 *p) {
    return (u32)p[3] | (u32)p[2] << 8 | (u32)p[1] << 16 | (u32)p[0] << 24;
}
static inline void store32_be(u8 *p, u32 v) {
    p[0] = (u8)(v >> 24); p[1] = (u8)(v >> 16); p[2] = (u8)(v >> 8); p[3] = (u8)v;
}
static inline u64 load64_le(const u8 *p) {
    return (u64)load32_le(p) | (u64)load32_le(p + 4) << 32;
}
static inline void store64_le(u8 *p, u64 v) {
    for (int i = 0; i < 8; i++) p[i] = (u8)(v >> (8 * i));
}

/* primitives (each in its own .c file) */
void keccakf(u64 st[25]);
void keccak1600(const u8 *in, u32 len, u8 out[200]);
void aes_expand_key(const u8 key[32], u32 rk[40]);
void aes_round(u32 s[4], const u32 k[4]);
void blake256(const u8 *in, u32 len, u8 out[32]);
void blake2b(const u8 *in, u32 len, u8 *out, u32 outlen);
void sha256_digest(const u8 *in, u32 len, u8 out[32]);

#endif
