/* For each of `count` sub-puzzles, find a nonce with SHA-256("seed.index.nonce") having
   `bits` leading zero bits. Stops when all are solved. */
/*#include sha256.js*/
function lz(d) { for (var i = 0, n = 0; i < d.length; i++) { if (d[i]) return n + Math.clz32(d[i]) - 24; n += 8; } return n; }
onmessage = function (e) {
  var p = e.data, solutions = [];
  for (var i = 0; i < p.count; i++) {
    for (var nonce = 0; ; nonce++) {
      if (lz(sha256(utf8Bytes(p.seed + "." + i + "." + nonce))) >= p.bits) { solutions.push(nonce); break; }
    }
    postMessage({ progress: Math.round((i + 1) * 100 / p.count) });
  }
  postMessage({ solutions: solutions });
};
