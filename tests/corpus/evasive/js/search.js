/* Nonce search over one job, shared by every worker in the corpus. A job is either a blob
   (the nonce is written at byte 39, as in CryptoNote block templates) or a seed (the nonce is
   appended). A result counts when the digest's last 32-bit little-endian word is below the
   job's target (8 hex digits, little-endian, as Stratum pools send it). */
(function (scope) {
  "use strict";
  function fromHex(hex) {
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
    return out;
  }
  function toHex(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return s;
  }
  function targetOf(hex) {
    return parseInt(hex.match(/../g).reverse().join(""), 16);
  }
  scope.evSearch = function (job, algo, from, count) {
    var seeded = !!job.seed;
    var base = fromHex(job.seed || job.blob);
    var data = base, at = 39;
    if (seeded) { data = new Uint8Array(base.length + 4); data.set(base); at = base.length; }
    var limit = targetOf(job.target);
    var hash = algo === "sha3" ? function (d) { return scope.evKeccak(d, 136, 6); } : scope.evSha256;
    var found = [];
    for (var n = from; n < from + count; n++) {
      data[at] = n & 255; data[at + 1] = (n >>> 8) & 255;
      data[at + 2] = (n >>> 16) & 255; data[at + 3] = (n >>> 24) & 255;
      var d = hash(data);
      var word = (d[28] | (d[29] << 8) | (d[30] << 16) | (d[31] << 24)) >>> 0;
      if (word < limit) found.push({ nonce: toHex(data.subarray(at, at + 4)), result: toHex(d) });
    }
    return found;
  };
})(typeof self !== "undefined" ? self : globalThis);
