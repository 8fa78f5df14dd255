/* Keccak-f[1600] sponge, 64-bit lanes kept as (lo, hi) 32-bit halves. keccak256(bytes, pad)
   with pad 0x01 is the original Keccak-256 that CryptoNight starts from; pad 0x06 is SHA3-256.
   Written for this corpus. */
var KECCAK_RC = (function () {
  var rc = new Uint32Array(48), R = 1;
  for (var round = 0; round < 24; round++) {
    var lo = 0, hi = 0;
    for (var j = 0; j < 7; j++) {
      if (R & 1) {
        var bit = (1 << j) - 1;
        if (bit < 32) lo ^= 1 << bit; else hi ^= 1 << (bit - 32);
      }
      for (var step = 0; step < 1; step++) { R = (R << 1); if (R & 0x100) R ^= 0x171; }
    }
    rc[round * 2] = lo >>> 0; rc[round * 2 + 1] = hi >>> 0;
  }
  return rc;
})();
var KECCAK_ROT = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14];
var KECCAK_B = new Uint32Array(50), KECCAK_C = new Uint32Array(10);

function keccakF(s) {
  var B = KECCAK_B, C = KECCAK_C;
  for (var round = 0; round < 24; round++) {
    for (var x = 0; x < 5; x++) {
      C[2 * x] = s[2 * x] ^ s[2 * x + 10] ^ s[2 * x + 20] ^ s[2 * x + 30] ^ s[2 * x + 40];
      C[2 * x + 1] = s[2 * x + 1] ^ s[2 * x + 11] ^ s[2 * x + 21] ^ s[2 * x + 31] ^ s[2 * x + 41];
    }
    for (x = 0; x < 5; x++) {
      var n = (x + 1) % 5, p = (x + 4) % 5;
      var dlo = C[2 * p] ^ ((C[2 * n] << 1) | (C[2 * n + 1] >>> 31));
      var dhi = C[2 * p + 1] ^ ((C[2 * n + 1] << 1) | (C[2 * n] >>> 31));
      for (var y = 0; y < 25; y += 5) { s[2 * (y + x)] ^= dlo; s[2 * (y + x) + 1] ^= dhi; }
    }
    for (x = 0; x < 5; x++) {
      for (y = 0; y < 5; y++) {
        var i = x + 5 * y, r = KECCAK_ROT[i], lo = s[2 * i], hi = s[2 * i + 1], nlo, nhi;
        if (r === 0) { nlo = lo; nhi = hi; }
        else if (r < 32) { nlo = (lo << r) | (hi >>> (32 - r)); nhi = (hi << r) | (lo >>> (32 - r)); }
        else if (r === 32) { nlo = hi; nhi = lo; }
        else { var m = r - 32; nlo = (hi << m) | (lo >>> (32 - m)); nhi = (lo << m) | (hi >>> (32 - m)); }
        var j = y + 5 * ((2 * x + 3 * y) % 5);
        B[2 * j] = nlo; B[2 * j + 1] = nhi;
      }
    }
    for (y = 0; y < 25; y += 5) {
      for (x = 0; x < 5; x++) {
        var a = 2 * (y + x), b1 = 2 * (y + (x + 1) % 5), b2 = 2 * (y + (x + 2) % 5);
        s[a] = B[a] ^ (~B[b1] & B[b2]);
        s[a + 1] = B[a + 1] ^ (~B[b1 + 1] & B[b2 + 1]);
      }
    }
    s[0] ^= KECCAK_RC[2 * round]; s[1] ^= KECCAK_RC[2 * round + 1];
  }
}

function keccak256(msg, pad) {
  var rate = 136, s = new Uint32Array(50);
  var total = Math.floor(msg.length / rate) * rate + rate;
  var buf = new Uint8Array(total);
  buf.set(msg);
  buf[msg.length] ^= (pad || 0x01);
  buf[total - 1] ^= 0x80;
  for (var off = 0; off < total; off += rate) {
    for (var i = 0; i < rate / 4; i++) {
      var q = off + i * 4;
      s[i] ^= buf[q] | (buf[q + 1] << 8) | (buf[q + 2] << 16) | (buf[q + 3] << 24);
    }
    keccakF(s);
  }
  var out = new Uint8Array(32);
  for (i = 0; i < 8; i++) {
    out[4 * i] = s[i] & 255; out[4 * i + 1] = (s[i] >>> 8) & 255;
    out[4 * i + 2] = (s[i] >>> 16) & 255; out[4 * i + 3] = s[i] >>> 24;
  }
  return out;
}
