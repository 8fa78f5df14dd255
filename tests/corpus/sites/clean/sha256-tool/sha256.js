/* A compact SHA-256 (FIPS 180-4) for a checksum page: digest(Uint8Array) -> Uint8Array(32). */
var Sha256 = (function () {
  'use strict';
  // Round constants: the first 32 bits of the fractional parts of the cube roots of the
  // first 64 primes, computed here rather than typed in.
  var K = new Uint32Array(64), H0 = new Uint32Array(8);
  (function () {
    var primes = [], n = 2;
    while (primes.length < 64) {
      var isPrime = primes.every(function (p) { return n % p !== 0; });
      if (isPrime) primes.push(n);
      n++;
    }
    function frac32(x) { return ((x - Math.floor(x)) * 4294967296) >>> 0; }
    for (var i = 0; i < 64; i++) K[i] = frac32(Math.cbrt(primes[i]));
    for (var j = 0; j < 8; j++) H0[j] = frac32(Math.sqrt(primes[j]));
  })();

  function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }

  function digest(message) {
    var bitLength = message.length * 8;
    var padded = new Uint8Array(((message.length + 9 + 63) >> 6) << 6);
    padded.set(message);
    padded[message.length] = 0x80;
    var view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, Math.floor(bitLength / 4294967296));
    view.setUint32(padded.length - 4, bitLength >>> 0);

    var h = new Uint32Array(H0), w = new Uint32Array(64);
    for (var offset = 0; offset < padded.length; offset += 64) {
      for (var t = 0; t < 16; t++) w[t] = view.getUint32(offset + 4 * t);
      for (t = 16; t < 64; t++) {
        var s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
        var s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) >>> 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (t = 0; t < 64; t++) {
        var S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        var ch = (e & f) ^ (~e & g);
        var temp1 = (k + S1 + ch + K[t] + w[t]) >>> 0;
        var S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        var maj = (a & b) ^ (a & c) ^ (b & c);
        var temp2 = (S0 + maj) >>> 0;
        k = g; g = f; f = e; e = (d + temp1) >>> 0;
        d = c; c = b; b = a; a = (temp1 + temp2) >>> 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    }
    var out = new Uint8Array(32), outView = new DataView(out.buffer);
    for (var i = 0; i < 8; i++) outView.setUint32(4 * i, h[i]);
    return out;
  }

  return { digest: digest };
})();
