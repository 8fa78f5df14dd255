/* Base64 (RFC 4648) encoder and decoder, the decoder through a reverse table built on first use. */
#include "common.h"

static const char alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static u8 reverse[256];
static int reverse_ready;

WB_API u32 b64_encode(const u8 *in, u32 len, char *out) {
    u32 o = 0, i = 0;
    for (; i + 2 < len; i += 3) {
        u32 v = (u32)in[i] << 16 | (u32)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (i < len) {
        u32 v = (u32)in[i] << 16 | (i + 1 < len ? (u32)in[i + 1] << 8 : 0);
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    return o;
}

WB_API int32_t b64_decode(const char *in, u32 len, u8 *out) {
    if (!reverse_ready) {
        for (int i = 0; i < 256; i++) reverse[i] = 0xff;
        for (int i = 0; i < 64; i++) reverse[(u8)alphabet[i]] = (u8)i;
        reverse_ready = 1;
    }
    u32 o = 0, acc = 0, bits = 0;
    for (u32 i = 0; i < len; i++) {
        u8 c = (u8)in[i];
        if (c == '=') break;
        u8 v = reverse[c];
        if (v == 0xff) return -1;
        acc = acc << 6 | v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (u8)(acc >> bits);
        }
    }
    return (int32_t)o;
}
