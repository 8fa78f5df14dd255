/* A hashing thread: takes {job, algo, duty, from} messages, posts {share} and {hashes}.
   duty < 1 hashes for a few milliseconds and sleeps the rest of each interval. */
importScripts("/js/sha256.js", "/js/keccak.js", "/js/search.js");
var job = null, algo = "sha256", duty = 1, nonce = 0, busy = false;

self.onmessage = function (event) {
  var m = event.data || {};
  if (m.algo) algo = m.algo;
  if (m.duty) duty = m.duty;
  if (m.stop) { job = null; return; }
  if (m.job) { job = m.job; nonce = m.from >>> 0; }
  if (!busy) spin();
};

function spin() {
  if (!job) { busy = false; return; }
  busy = true;
  var slice = duty < 1 ? 4 : 40, start = performance.now(), done = 0;
  while (performance.now() - start < slice) {
    var found = self.evSearch(job, algo, nonce, 64);
    nonce = (nonce + 64) >>> 0; done += 64;
    for (var i = 0; i < found.length; i++) {
      postMessage({ share: { job_id: job.id, nonce: found[i].nonce, result: found[i].result } });
    }
  }
  postMessage({ hashes: done });
  var spent = performance.now() - start;
  setTimeout(spin, duty < 1 ? (spent * (1 - duty)) / duty : 0);
}
