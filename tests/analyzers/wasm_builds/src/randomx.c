/* A RandomX-shaped hash after the RandomX specification: BLAKE2b of the input seeds an AES
 * generator that fills a 2 MiB scratchpad and writes a program; a small VM runs the program
 * (integer and float instructions, scratchpad reads and writes masked to L1 16 KiB, L2 256 KiB and
 * L3 2 MiB), the scratchpad is hashed with AES and the result is hashed with BLAKE2b.
 * Not RandomX (no dataset, no Argon2 cache, a reduced instruction set), only its shape. */
#include "common.h"

#ifndef EXPORT_NAME
#define EXPORT_NAME randomx_hash
#endif

#define RX_SCRATCHPAD (1u << 21)
#define RX_L1_MASK ((1u << 14) - 8)
#define RX_L2_MASK ((1u << 18) - 8)
#define RX_L3_MASK ((1u << 21) - 8)
#define RX_L3_LINE_MASK ((1u << 21) - 64)
#define RX_PROGRAM 256
#define RX_ITERATIONS 2048

static u8 scratchpad[RX_SCRATCHPAD] __attribute__((aligned(64)));
static u64 program[RX_PROGRAM];

static const u32 gen_keys[4][4] = {
    {0xb4f44917, 0xdbb5552b, 0x62716609, 0x6daca553},
    {0x0da1dc4e, 0x1725d378, 0x846a710d, 0x6d7caf07},
    {0x3e20e345, 0xf4c0794f, 0x9f947ec6, 0x3f1262f1},
    {0x49169154, 0x16314c88, 0xb1ba317c, 0x6aef8135}};

/* AesGenerator1R: every 16-byte lane of the 64-byte state gets one AES round per output. */
static void aes_generate(u32 state[16], u8 *out, u32 bytes) {
    for (u32 off = 0; off < bytes; off += 64) {
        for (int lane = 0; lane < 4; lane++) aes_round(state + 4 * lane, gen_keys[lane]);
        memcpy(out + off, state, 64);
    }
}

/* AesHash1R: fold the scratchpad into four AES lanes. */
static void aes_hash(const u8 *in, u32 bytes, u32 state[16]) {
    for (u32 off = 0; off < bytes; off += 64)
        for (int lane = 0; lane < 4; lane++) {
            u32 key[4];
            for (int i = 0; i < 4; i++) key[i] = load32_le(in + off + 16 * lane + 4 * i);
            aes_round(state + 4 * lane, key);
        }
}

static inline u64 load64(u32 addr) { return *(const u64 *)(scratchpad + addr); }
static inline void store64(u32 addr, u64 v) { *(u64 *)(scratchpad + addr) = v; }

static u64 mulhi(u64 a, u64 b) {
    u64 al = (u32)a, ah = a >> 32, bl = (u32)b, bh = b >> 32;
    u64 mid = ((al * bl) >> 32) + (u32)(al * bh) + (u32)(ah * bl);
    return ah * bh + ((al * bh) >> 32) + ((ah * bl) >> 32) + (mid >> 32);
}

static void run_program(u64 r[8], double f[4], u32 *sp0, u32 *sp1) {
    for (u32 ic = 0; ic < RX_ITERATIONS; ic++) {
        for (int i = 0; i < 8; i++) r[i] ^= load64(*sp0 + 8 * i);
        for (int i = 0; i < 4; i++) f[i] += (double)(int32_t)load64(*sp1 + 8 * i);
        for (u32 pc = 0; pc < RX_PROGRAM; pc++) {
            u64 instr = program[pc];
            u32 dst = (instr >> 8) & 7, src = (instr >> 16) & 7, mod = (instr >> 24) & 0xff;
            u32 imm = (u32)(instr >> 32);
            u32 mem_mask = (mod & 3) ? RX_L1_MASK : RX_L2_MASK;
            switch (instr & 15) {
            case 0: r[dst] += r[src] << ((mod >> 2) & 3); break;
            case 1: r[dst] += load64((u32)(r[src] + imm) & mem_mask); break;
            case 2: r[dst] -= r[src] ^ imm; break;
            case 3: r[dst] *= r[src]; break;
            case 4: r[dst] *= load64((u32)(r[src] + imm) & mem_mask); break;
            case 5: r[dst] = mulhi(r[dst], r[src]); break;
            case 6: r[dst] ^= r[src]; break;
            case 7: r[dst] = rotr64(r[dst], r[src] & 63); break;
            case 8: { u64 t = r[dst]; r[dst] = r[src]; r[src] = t; } break;
            case 9: f[dst & 3] += f[src & 3]; break;
            case 10: f[dst & 3] *= f[src & 3] + 1.0; break;
            case 11: f[dst & 3] = __builtin_sqrt(f[dst & 3] < 0 ? -f[dst & 3] : f[dst & 3]); break;
            case 12: r[dst] -= (u64)(int64_t)(int32_t)imm; break;
            case 13: if (((r[dst] += imm) & (0xffu << (mod >> 4))) == 0) pc = pc > 8 ? pc - 8 : 0;
                     break;
            default:
                store64(((u32)r[dst] + imm) & ((mod >> 4) >= 14 ? RX_L3_MASK : mem_mask), r[src]);
            }
        }
        u32 mix = (u32)(r[0] ^ r[1]);
        *sp0 = (mix ^ *sp0) & RX_L3_LINE_MASK;
        *sp1 = ((mix >> 7) ^ *sp1) & RX_L3_LINE_MASK;
        for (int i = 0; i < 8; i++) store64(*sp1 + 8 * i, r[i]);
        for (int i = 0; i < 4; i++) {
            u64 bits;
            memcpy(&bits, &f[i], 8);
            store64(*sp0 + 8 * i, bits ^ r[i + 4]);
        }
    }
}

WB_API void EXPORT_NAME(u8 *out, const u8 *in, u32 len) {
    u8 seed[64];
    u32 gen[16];
    u64 r[8] = {0};
    double f[4] = {1.0, 2.0, 3.0, 4.0};
    blake2b(in, len, seed, 64);
    memcpy(gen, seed, 64);
    aes_generate(gen, scratchpad, RX_SCRATCHPAD);
    aes_generate(gen, (u8 *)program, sizeof program);
    u32 sp0 = gen[0] & RX_L3_LINE_MASK, sp1 = gen[1] & RX_L3_LINE_MASK;
    run_program(r, f, &sp0, &sp1);
    u32 fold[16];
    memcpy(fold, seed, 64);
    aes_hash(scratchpad, RX_SCRATCHPAD, fold);
    u8 tail[64 + 64];
    memcpy(tail, fold, 64);
    memcpy(tail + 64, r, 64);
    blake2b(tail, sizeof tail, out, 32);
}
