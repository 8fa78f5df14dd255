/* CryptoNote-style share search: the 4-byte nonce sits at byte 39 of the hashing blob, and
   a hash is a share when its last 4 bytes, read little-endian, are below the compact target.
   The hash here is Keccak-256 (CryptoNight's first step), not the whole CryptoNight. */
function cnPrepare(job) {
  var t = job.target || "ffffffff", tv = 0xffffffff;
  if (t.length === 8) {
    tv = ((parseInt(t.substr(6, 2), 16) << 24) | (parseInt(t.substr(4, 2), 16) << 16) |
          (parseInt(t.substr(2, 2), 16) << 8) | parseInt(t.substr(0, 2), 16)) >>> 0;
  }
  return { id: job.job_id, blob: fromHex(job.blob), tv: tv };
}
function cnTry(p, nonce) {
  var b = p.blob;
  b[39] = nonce & 255; b[40] = (nonce >>> 8) & 255; b[41] = (nonce >>> 16) & 255; b[42] = nonce >>> 24;
  var h = keccak256(b, 1);
  var v = (h[28] | (h[29] << 8) | (h[30] << 16) | (h[31] << 24)) >>> 0;
  return v < p.tv ? h : null;
}
function cnNonceHex(n) {
  return toHex([n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24]);
}
