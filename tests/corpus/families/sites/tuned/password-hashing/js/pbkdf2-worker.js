/*#include sha256.js*/
function hmacKeyPads(key) {
  var k = key.length > 64 ? sha256(key) : key, ipad = new Uint8Array(64), opad = new Uint8Array(64);
  for (var i = 0; i < 64; i++) { var b = i < k.length ? k[i] : 0; ipad[i] = b ^ 0x36; opad[i] = b ^ 0x5c; }
  return [ipad, opad];
}
function hmac(pads, msg) {
  var inner = new Uint8Array(64 + msg.length); inner.set(pads[0]); inner.set(msg, 64);
  var outer = new Uint8Array(96); outer.set(pads[1]); outer.set(sha256(inner), 64);
  return sha256(outer);
}
function pbkdf2(password, salt, iterations) {
  var pads = hmacKeyPads(password), first = new Uint8Array(salt.length + 4);
  first.set(salt); first[salt.length + 3] = 1; /* block index 1, big-endian */
  var u = hmac(pads, first), t = u.slice();
  for (var i = 1; i < iterations; i++) { u = hmac(pads, u); for (var j = 0; j < 32; j++) t[j] ^= u[j]; }
  return t;
}
onmessage = function (e) {
  var d = e.data;
  postMessage({ key: toHex(pbkdf2(utf8Bytes(d.password), utf8Bytes(d.salt), d.iterations)) });
};
