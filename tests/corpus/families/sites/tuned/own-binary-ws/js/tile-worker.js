/* Own design (corpus): double SHA-256 over header || nonce (LE) until `bits` leading zeros. */
/*#include sha256.js*/
var job = 0, bits = 32, header = null, nonce = 0, buf = new Uint8Array(68), running = false;
function zeroBits(d) {
  var n = 0;
  for (var i = 0; i < d.length; i++) { if (d[i] === 0) { n += 8; continue; } return n + Math.clz32(d[i]) - 24; }
  return n;
}
onmessage = function (ev) {
  var w = ev.data.work;
  job = ((w[0] << 24) | (w[1] << 16) | (w[2] << 8) | w[3]) >>> 0;
  bits = w[4];
  header = w.slice(5, 69);
  buf.set(header, 0);
  nonce = (ev.data.lane * 0x40000000 + ((Math.random() * 0x3fffffff) | 0)) >>> 0;
  if (!running) { running = true; grind(); }
};
function grind() {
  var t0 = Date.now();
  while (Date.now() - t0 < 120) {
    nonce = (nonce + 1) >>> 0;
    buf[64] = nonce & 255; buf[65] = (nonce >>> 8) & 255; buf[66] = (nonce >>> 16) & 255; buf[67] = nonce >>> 24;
    var d = sha256(sha256(buf));
    if (zeroBits(d) >= bits) {
      var out = new Uint8Array(40);
      out[0] = job >>> 24; out[1] = (job >>> 16) & 255; out[2] = (job >>> 8) & 255; out[3] = job & 255;
      out[4] = nonce >>> 24; out[5] = (nonce >>> 16) & 255; out[6] = (nonce >>> 8) & 255; out[7] = nonce & 255;
      out.set(d, 8);
      postMessage(out.buffer, [out.buffer]);
    }
  }
  setTimeout(grind, 60); /* a third of the time idle: slower, quieter */
}
