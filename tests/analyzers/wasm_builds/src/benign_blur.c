/* Image filters: a separable 5-tap Gaussian blur and a general 3x3 convolution on RGBA pixels. */
#include "common.h"

static const u32 gauss5[5] = {1, 4, 6, 4, 1};

WB_API void blur_image(u8 *pixels, u8 *tmp, u32 width, u32 height) {
    for (u32 y = 0; y < height; y++)
        for (u32 x = 0; x < width; x++)
            for (u32 ch = 0; ch < 4; ch++) {
                u32 acc = 0;
                for (int k = -2; k <= 2; k++) {
                    int xx = (int)x + k;
                    if (xx < 0) xx = 0;
                    if (xx >= (int)width) xx = (int)width - 1;
                    acc += gauss5[k + 2] * pixels[(y * width + (u32)xx) * 4 + ch];
                }
                tmp[(y * width + x) * 4 + ch] = (u8)(acc >> 4);
            }
    for (u32 y = 0; y < height; y++)
        for (u32 x = 0; x < width; x++)
            for (u32 ch = 0; ch < 4; ch++) {
                u32 acc = 0;
                for (int k = -2; k <= 2; k++) {
                    int yy = (int)y + k;
                    if (yy < 0) yy = 0;
                    if (yy >= (int)height) yy = (int)height - 1;
                    acc += gauss5[k + 2] * tmp[((u32)yy * width + x) * 4 + ch];
                }
                pixels[(y * width + x) * 4 + ch] = (u8)(acc >> 4);
            }
}

WB_API void convolve3x3(const u8 *src, u8 *dst, u32 width, u32 height, const int32_t kernel[9],
                        int32_t divisor) {
    for (u32 y = 1; y + 1 < height; y++)
        for (u32 x = 1; x + 1 < width; x++)
            for (u32 ch = 0; ch < 3; ch++) {
                int32_t acc = 0;
                for (int ky = -1; ky <= 1; ky++)
                    for (int kx = -1; kx <= 1; kx++)
                        acc += kernel[(ky + 1) * 3 + kx + 1] *
                               src[((y + ky) * width + x + kx) * 4 + ch];
                acc /= divisor;
                dst[(y * width + x) * 4 + ch] = (u8)(acc < 0 ? 0 : acc > 255 ? 255 : acc);
            }
}

WB_API void grayscale(u8 *pixels, u32 count) {
    for (u32 i = 0; i < count; i++) {
        u8 *p = pixels + 4 * i;
        u32 g = (77 * p[0] + 150 * p[1] + 29 * p[2]) >> 8;
        p[0] = p[1] = p[2] = (u8)g;
    }
}
