/* Crypto-Loot style hashing worker (corpus code). */
/*#include sha256.js*/
/*#include keccak.js*/
/*#include cnloop.js*/
var current = null, prep = null, throttle = 0, nonce = 0, count = 0, busy = false;
onmessage = function (ev) {
  if (ev.data.job) { current = ev.data.job; prep = cnPrepare(current); nonce = (Math.random() * 4294967295) >>> 0; }
  if (typeof ev.data.throttle === "number") throttle = ev.data.throttle;
  if (!busy && prep) { busy = true; round(); }
};
function round() {
  var began = performance.now();
  do {
    for (var i = 0; i < 24; i++) {
      nonce = (nonce + 1) >>> 0; count++;
      var h = cnTry(prep, nonce);
      if (h) postMessage({ count: count, share: { job_id: current.job_id, nonce: cnNonceHex(nonce), result: toHex(h) } });
    }
  } while (performance.now() - began < 100);
  postMessage({ count: count });
  var spent = performance.now() - began;
  setTimeout(round, throttle ? spent * throttle / (1 - throttle) : 0);
}
