/* Entry points for the primitive-only builds: one hash or cipher (or two) without any
 * scratchpad loop. PRIM selects which; EXPORT_NAME names the export. */
#include "common.h"

void sha1_digest(const u8 *in, u32 len, u8 out[20]);

#if PRIM == 1 /* SHA-256 */
WB_API void EXPORT_NAME(const u8 *in, u32 len, u8 out[32]) { sha256_digest(in, len, out); }
#elif PRIM == 2 /* SHA-1 */
WB_API void EXPORT_NAME(const u8 *in, u32 len, u8 out[20]) { sha1_digest(in, len, out); }
#elif PRIM == 3 /* Keccak-256 (original padding), as Ethereum-style libraries ship it */
WB_API void EXPORT_NAME(const u8 *in, u32 len, u8 out[32]) {
    u8 st[200];
    keccak1600(in, len, st);
    memcpy(out, st, 32);
}
#elif PRIM == 4 /* AES-256 in counter mode */
WB_API void EXPORT_NAME(const u8 key[32], const u8 nonce[16], u8 *data, u32 len) {
    u32 rk[40], ctr[4], ks[4];
    aes_expand_key(key, rk);
    for (int i = 0; i < 4; i++) ctr[i] = load32_le(nonce + 4 * i);
    for (u32 off = 0; off < len; off += 16) {
        for (int i = 0; i < 4; i++) ks[i] = ctr[i] ^ rk[i];
        for (int r = 1; r < 10; r++) aes_round(ks, rk + 4 * r);
        for (u32 i = 0; i < 16 && off + i < len; i++) data[off + i] ^= (u8)(ks[i / 4] >> (8 * (i % 4)));
        ctr[0]++;
    }
}
#elif PRIM == 5 /* BLAKE-256 */
WB_API void EXPORT_NAME(const u8 *in, u32 len, u8 out[32]) { blake256(in, len, out); }
#elif PRIM == 6 /* AES-CTR encryption with a Keccak MAC over the ciphertext: two primitives */
WB_API void EXPORT_NAME(const u8 key[32], const u8 nonce[16], u8 *data, u32 len, u8 tag[32]) {
    u32 rk[40], ctr[4], ks[4];
    u8 st[200];
    aes_expand_key(key, rk);
    for (int i = 0; i < 4; i++) ctr[i] = load32_le(nonce + 4 * i);
    for (u32 off = 0; off < len; off += 16) {
        for (int i = 0; i < 4; i++) ks[i] = ctr[i] ^ rk[i];
        for (int r = 1; r < 10; r++) aes_round(ks, rk + 4 * r);
        for (u32 i = 0; i < 16 && off + i < len; i++) data[off + i] ^= (u8)(ks[i / 4] >> (8 * (i % 4)));
        ctr[0]++;
    }
    keccak1600(data, len, st);
    for (int i = 0; i < 32; i++) tag[i] = st[i] ^ key[i];
}
#endif
