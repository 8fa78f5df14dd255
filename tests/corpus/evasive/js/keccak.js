/* Keccak-f[1600] sponge on 32-bit lane halves, written for this corpus. Defines
   self.evKeccak(bytes, rateBytes, padByte) -> Uint8Array(32); padByte 0x06 is SHA3-256,
   0x01 the original Keccak-256 that CryptoNight starts from. */
(function (scope) {
  "use strict";
  // Round constants as [hi, lo] halves.
  var RC = [
    0x00000000, 0x00000001, 0x00000000, 0x00008082, 0x80000000, 0x0000808a, 0x80000000, 0x80008000,
    0x00000000, 0x0000808b, 0x00000000, 0x80000001, 0x80000000, 0x80008081, 0x80000000, 0x00008009,
    0x00000000, 0x0000008a, 0x00000000, 0x00000088, 0x00000000, 0x80008009, 0x00000000, 0x8000000a,
    0x00000000, 0x8000808b, 0x80000000, 0x0000008b, 0x80000000, 0x00008089, 0x80000000, 0x00008003,
    0x80000000, 0x00008002, 0x80000000, 0x00000080, 0x00000000, 0x0000800a, 0x80000000, 0x8000000a,
    0x80000000, 0x80008081, 0x80000000, 0x00008080, 0x00000000, 0x80000001, 0x80000000, 0x80008008
  ];
  // Rotation offset of lane x + 5y.
  var ROT = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14];
  var hi = new Int32Array(25), lo = new Int32Array(25);
  var bh = new Int32Array(25), bl = new Int32Array(25);
  var ch = new Int32Array(5), cl = new Int32Array(5);

  function permute() {
    var round, x, y, i, j, dh, dl, r, h, l;
    for (round = 0; round < 24; round++) {
      for (x = 0; x < 5; x++) {
        ch[x] = hi[x] ^ hi[x + 5] ^ hi[x + 10] ^ hi[x + 15] ^ hi[x + 20];
        cl[x] = lo[x] ^ lo[x + 5] ^ lo[x + 10] ^ lo[x + 15] ^ lo[x + 20];
      }
      for (x = 0; x < 5; x++) {
        h = ch[(x + 1) % 5]; l = cl[(x + 1) % 5];
        dh = ch[(x + 4) % 5] ^ ((h << 1) | (l >>> 31));
        dl = cl[(x + 4) % 5] ^ ((l << 1) | (h >>> 31));
        for (y = 0; y < 25; y += 5) { hi[x + y] ^= dh; lo[x + y] ^= dl; }
      }
      // rho and pi: B[y, 2x+3y] = rot(A[x, y])
      for (x = 0; x < 5; x++) {
        for (y = 0; y < 5; y++) {
          i = x + 5 * y; j = y + 5 * ((2 * x + 3 * y) % 5);
          r = ROT[i]; h = hi[i]; l = lo[i];
          if (r >= 32) { var t = h; h = l; l = t; r -= 32; }
          if (r === 0) { bh[j] = h; bl[j] = l; }
          else { bh[j] = (h << r) | (l >>> (32 - r)); bl[j] = (l << r) | (h >>> (32 - r)); }
        }
      }
      for (y = 0; y < 25; y += 5) {
        for (x = 0; x < 5; x++) {
          hi[x + y] = bh[x + y] ^ (~bh[(x + 1) % 5 + y] & bh[(x + 2) % 5 + y]);
          lo[x + y] = bl[x + y] ^ (~bl[(x + 1) % 5 + y] & bl[(x + 2) % 5 + y]);
        }
      }
      hi[0] ^= RC[2 * round]; lo[0] ^= RC[2 * round + 1];
    }
  }

  function absorb(block, off, rate) {
    for (var i = 0; i < rate / 8; i++) {
      var p = off + 8 * i;
      lo[i] ^= block[p] | (block[p + 1] << 8) | (block[p + 2] << 16) | (block[p + 3] << 24);
      hi[i] ^= block[p + 4] | (block[p + 5] << 8) | (block[p + 6] << 16) | (block[p + 7] << 24);
    }
    permute();
  }

  function keccak(msg, rate, pad) {
    rate = rate || 136; pad = pad || 0x06;
    hi.fill(0); lo.fill(0);
    var n = msg.length, full = n - (n % rate), i;
    for (i = 0; i < full; i += rate) absorb(msg, i, rate);
    var last = new Uint8Array(rate);
    last.set(msg.subarray(full));
    last[n - full] ^= pad;
    last[rate - 1] ^= 0x80;
    absorb(last, 0, rate);
    var out = new Uint8Array(32);
    for (i = 0; i < 4; i++) {
      out[8 * i] = lo[i]; out[8 * i + 1] = lo[i] >>> 8; out[8 * i + 2] = lo[i] >>> 16; out[8 * i + 3] = lo[i] >>> 24;
      out[8 * i + 4] = hi[i]; out[8 * i + 5] = hi[i] >>> 8; out[8 * i + 6] = hi[i] >>> 16; out[8 * i + 7] = hi[i] >>> 24;
    }
    return out;
  }

  scope.evKeccak = keccak;
})(typeof self !== "undefined" ? self : globalThis);
