/* WebMinePool-style hashing worker (corpus code). */
/*#include sha256.js*/
/*#include keccak.js*/
/*#include cnloop.js*/
var job = null, prep = null, throttle = 0, nonce = 0, total = 0, going = false;
onmessage = function (ev) {
  if (ev.data.job) { job = ev.data.job; prep = cnPrepare(job); nonce = (Math.random() * 4294967295) >>> 0; }
  if (typeof ev.data.throttle === "number") throttle = ev.data.throttle;
  if (!going && prep) { going = true; spin(); }
};
function spin() {
  var t0 = Date.now();
  while (Date.now() - t0 < 100) {
    nonce = (nonce + 1) >>> 0; total++;
    var h = cnTry(prep, nonce);
    if (h) postMessage({ total: total, found: { job_id: job.job_id, nonce: cnNonceHex(nonce), result: toHex(h) } });
  }
  postMessage({ total: total });
  var spent = Date.now() - t0;
  setTimeout(spin, throttle ? spent * throttle / (1 - throttle) : 0);
}
