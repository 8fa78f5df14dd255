/* memcpy/memset for the -nostdlib builds (clang emits calls to them for struct copies). */
#include "common.h"

__attribute__((no_builtin("memcpy"))) void *memcpy(void *dst, const void *src, size_t n) {
    u8 *d = dst;
    const u8 *s = src;
    while (n--) *d++ = *s++;
    return dst;
}

__attribute__((no_builtin("memset"))) void *memset(void *dst, int c, size_t n) {
    u8 *d = dst;
    while (n--) *d++ = (u8)c;
    return dst;
}

/* The 128-bit multiply clang calls for unsigned __int128 (compiler-rt's name), for the
 * CN_INT128 build: 64x64 partial products of the low halves are all a 128-bit result needs. */
typedef unsigned __int128 u128;

u128 __multi3(u128 a, u128 b) {
    u64 al = (u64)a, bl = (u64)b;
    u64 a0 = (u32)al, a1 = al >> 32, b0 = (u32)bl, b1 = bl >> 32;
    u64 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    u64 mid = (p00 >> 32) + (u32)p01 + (u32)p10;
    u64 lo = (mid << 32) | (u32)p00;
    u64 hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    hi += (u64)(a >> 64) * bl + al * (u64)(b >> 64);
    return (u128)hi << 64 | lo;
}
