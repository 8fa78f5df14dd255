/* Numerics: a blocked single-precision matrix multiply and a particle system step (gravity
 * towards a few attractors, damping, wall bounces). */
#include "common.h"

WB_API void matmul(const float *a, const float *b, float *c, u32 n) {
    for (u32 i = 0; i < n * n; i++) c[i] = 0.0f;
    for (u32 ii = 0; ii < n; ii += 16)
        for (u32 kk = 0; kk < n; kk += 16)
            for (u32 i = ii; i < ii + 16 && i < n; i++)
                for (u32 k = kk; k < kk + 16 && k < n; k++) {
                    float aik = a[i * n + k];
                    for (u32 j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
                }
}

typedef struct {
    float x, y, vx, vy;
} particle;

WB_API void step(particle *p, u32 count, const float *attractors, u32 nattr, float dt) {
    for (u32 i = 0; i < count; i++) {
        float ax = 0.0f, ay = 0.0f;
        for (u32 k = 0; k < nattr; k++) {
            float dx = attractors[2 * k] - p[i].x, dy = attractors[2 * k + 1] - p[i].y;
            float d2 = dx * dx + dy * dy + 0.01f;
            float inv = 1.0f / (d2 * __builtin_sqrtf(d2));
            ax += dx * inv;
            ay += dy * inv;
        }
        p[i].vx = (p[i].vx + ax * dt) * 0.995f;
        p[i].vy = (p[i].vy + ay * dt) * 0.995f;
        p[i].x += p[i].vx * dt;
        p[i].y += p[i].vy * dt;
        if (p[i].x < 0.0f || p[i].x > 1.0f) p[i].vx = -p[i].vx;
        if (p[i].y < 0.0f || p[i].y > 1.0f) p[i].vy = -p[i].vy;
    }
}

WB_API double energy(const particle *p, u32 count) {
    double e = 0.0;
    for (u32 i = 0; i < count; i++) e += 0.5 * ((double)p[i].vx * p[i].vx + (double)p[i].vy * p[i].vy);
    return e;
}
