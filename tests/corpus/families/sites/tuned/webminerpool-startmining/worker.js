/* webminerpool-style worker (corpus code): hash the job for a while, answer once. */
/*#include sha256.js*/
/*#include keccak.js*/
/*#include cnloop.js*/
var lastJob = "", prepared = null, nonce = 0;
onmessage = function (e) {
  var job = e.data.job, throttle = e.data.throttle;
  if (job.job_id !== lastJob) { lastJob = job.job_id; prepared = cnPrepare(job); nonce = (Math.random() * 4294967295) >>> 0; }
  var began = Date.now(), answer = "nothing";
  while (Date.now() - began < 150 && answer === "nothing") {
    nonce = (nonce + 1) >>> 0;
    var h = cnTry(prepared, nonce);
    if (h) answer = JSON.stringify({ identifier: "solved", job_id: job.job_id, nonce: cnNonceHex(nonce), result: toHex(h) });
  }
  var spent = Date.now() - began;
  /* throttleMiner percent: sleep so the busy share of time is about (100 - throttle) % */
  setTimeout(function () { postMessage(answer); }, throttle > 0 ? spent * throttle / (100 - Math.min(throttle, 90)) : 0);
};
