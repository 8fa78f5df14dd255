/* Keccak-256 share search for the corpus's WebAssembly miners (our code).
 *
 * The page's worker writes a CryptoNote hashing blob into `blob`, then calls
 * cn_search(len, target, start, count): nonces start, start+1, ... go into bytes 39..42
 * (little-endian), each blob is hashed with Keccak-256 (padding 0x01, CryptoNight's first
 * step), and the first hash whose last four bytes, read little-endian, are below `target`
 * stops the search. It returns i + 1 for the i-th nonce tried (the hash is left in `out`), or
 * 0 when none of the `count` nonces was a share. Build: build.sh (clang, wasm32, no libc).
 */
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned char u8;

static u64 round_constants[24];
static const int rotations[25] = {0,  1,  62, 28, 27, 36, 44, 6,  55, 20, 3,  10, 43,
                                  25, 39, 41, 45, 15, 21, 8,  18, 2,  61, 56, 14};
static int ready;
u8 blob[256];
u8 out[32];

void *memset(void *dst, int value, unsigned long n) {
    u8 *p = (u8 *)dst;
    while (n--) *p++ = (u8)value;
    return dst;
}

void *memcpy(void *dst, const void *src, unsigned long n) {
    u8 *d = (u8 *)dst;
    const u8 *s = (const u8 *)src;
    while (n--) *d++ = *s++;
    return dst;
}

static void init(void) {
    u32 r = 1;
    for (int round = 0; round < 24; round++) {
        u64 rc = 0;
        for (int j = 0; j < 7; j++) {
            if (r & 1) rc |= (u64)1 << ((1 << j) - 1);
            r <<= 1;
            if (r & 0x100) r ^= 0x171;
        }
        round_constants[round] = rc;
    }
    ready = 1;
}

static u64 rotl(u64 v, int n) { return n ? (v << n) | (v >> (64 - n)) : v; }

static void keccak_f(u64 *s) {
    u64 b[25], c[5], d;
    for (int round = 0; round < 24; round++) {
        for (int x = 0; x < 5; x++) c[x] = s[x] ^ s[x + 5] ^ s[x + 10] ^ s[x + 15] ^ s[x + 20];
        for (int x = 0; x < 5; x++) {
            d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
            for (int y = 0; y < 25; y += 5) s[y + x] ^= d;
        }
        for (int x = 0; x < 5; x++)
            for (int y = 0; y < 5; y++)
                b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(s[x + 5 * y], rotations[x + 5 * y]);
        for (int y = 0; y < 25; y += 5)
            for (int x = 0; x < 5; x++)
                s[y + x] = b[y + x] ^ (~b[y + (x + 1) % 5] & b[y + (x + 2) % 5]);
        s[0] ^= round_constants[round];
    }
}

static void keccak256(const u8 *msg, u32 len, u8 *digest) {
    u64 s[25];
    u8 block[136];
    for (int i = 0; i < 25; i++) s[i] = 0;
    u32 off = 0;
    for (;;) {
        u32 take = len - off < 136 ? len - off : 136;
        for (u32 i = 0; i < 136; i++) block[i] = i < take ? msg[off + i] : 0;
        if (take < 136) {
            block[take] ^= 0x01;
            block[135] ^= 0x80;
        }
        for (int i = 0; i < 17; i++) {
            u64 lane = 0;
            for (int k = 7; k >= 0; k--) lane = (lane << 8) | block[8 * i + k];
            s[i] ^= lane;
        }
        keccak_f(s);
        off += take;
        if (take < 136) break;
    }
    for (int i = 0; i < 32; i++) digest[i] = (u8)(s[i / 8] >> (8 * (i % 8)));
}

u32 blob_ptr(void) { return (u32)blob; }
u32 out_ptr(void) { return (u32)out; }

u32 cn_search(u32 len, u32 target, u32 start, u32 count) {
    if (!ready) init();
    for (u32 i = 0; i < count; i++) {
        u32 nonce = start + i;
        blob[39] = (u8)nonce;
        blob[40] = (u8)(nonce >> 8);
        blob[41] = (u8)(nonce >> 16);
        blob[42] = (u8)(nonce >> 24);
        keccak256(blob, len, out);
        u32 tail = out[28] | (out[29] << 8) | (out[30] << 16) | ((u32)out[31] << 24);
        if (tail < target) return i + 1;
    }
    return 0;
}

/* One plain hash, for tests: keccak256(blob[0..len)) into out. */
void hash_blob(u32 len) {
    if (!ready) init();
    keccak256(blob, len, out);
}
