/* CRC-32 (reflected polynomial 0xEDB88320, table built on first use) and a small LZ77-style
 * compressor with a hash table of recent positions (literal runs and back-references). */
#include "common.h"

static u32 crc_table[256];
static int crc_ready;

WB_API u32 crc32(u32 crc, const u8 *data, u32 len) {
    if (!crc_ready) {
        for (u32 n = 0; n < 256; n++) {
            u32 c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            crc_table[n] = c;
        }
        crc_ready = 1;
    }
    crc = ~crc;
    for (u32 i = 0; i < len; i++) crc = crc_table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

#define HASH_BITS 14
#define WINDOW 32768u
#define MIN_MATCH 4
#define MAX_MATCH 130

static int32_t head[1 << HASH_BITS];

static u32 hash4(const u8 *p) { return (load32_le(p) * 2654435761u) >> (32 - HASH_BITS); }

WB_API u32 lz_compress(const u8 *in, u32 len, u8 *out) {
    u32 pos = 0, o = 0, lit_start = 0;
    for (u32 i = 0; i < (1u << HASH_BITS); i++) head[i] = -1;
    while (pos + MIN_MATCH <= len) {
        u32 h = hash4(in + pos);
        int32_t cand = head[h];
        head[h] = (int32_t)pos;
        u32 match = 0;
        if (cand >= 0 && pos - (u32)cand < WINDOW) {
            while (match < MAX_MATCH && pos + match < len && in[cand + match] == in[pos + match])
                match++;
        }
        if (match >= MIN_MATCH) {
            while (lit_start < pos) {
                u32 run = pos - lit_start > 128 ? 128 : pos - lit_start;
                out[o++] = (u8)(run - 1);
                memcpy(out + o, in + lit_start, run);
                o += run;
                lit_start += run;
            }
            u32 dist = pos - (u32)cand;
            out[o++] = (u8)(0x80 | (match - MIN_MATCH));
            out[o++] = (u8)(dist & 0xff);
            out[o++] = (u8)(dist >> 8);
            pos += match;
            lit_start = pos;
        } else {
            pos++;
        }
    }
    while (lit_start < len) {
        u32 run = len - lit_start > 128 ? 128 : len - lit_start;
        out[o++] = (u8)(run - 1);
        memcpy(out + o, in + lit_start, run);
        o += run;
        lit_start += run;
    }
    return o;
}

WB_API u32 lz_decompress(const u8 *in, u32 len, u8 *out) {
    u32 i = 0, o = 0;
    while (i < len) {
        u8 tag = in[i++];
        if (tag & 0x80) {
            u32 n = (tag & 0x7f) + MIN_MATCH, dist = in[i] | (u32)in[i + 1] << 8;
            i += 2;
            for (u32 k = 0; k < n; k++, o++) out[o] = out[o - dist];
        } else {
            memcpy(out + o, in + i, tag + 1u);
            o += tag + 1u;
            i += tag + 1u;
        }
    }
    return o;
}
