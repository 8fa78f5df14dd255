/* Own design (corpus): SHA-256(seed || decimal nonce) with at least z leading zero bits. */
/*#include sha256.js*/
var item = null, seed = null, nonce = 0, going = false;
function lz(d) { for (var i = 0, n = 0; i < d.length; i++) { if (d[i]) return n + Math.clz32(d[i]) - 24; n += 8; } return n; }
onmessage = function (e) { item = e.data; seed = fromHex(item.s); nonce = Math.floor(Math.random() * 1e9); if (!going) { going = true; loop(); } };
function loop() {
  var t = Date.now();
  while (Date.now() - t < 100) {
    nonce++;
    var tail = utf8Bytes(String(nonce)), buf = new Uint8Array(seed.length + tail.length);
    buf.set(seed); buf.set(tail, seed.length);
    var d = sha256(buf);
    if (lz(d) >= item.z) postMessage([item.j, String(nonce), toHex(d)]);
  }
  setTimeout(loop, 40);
}
