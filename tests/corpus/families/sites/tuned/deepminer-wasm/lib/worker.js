/* deepMiner-style wasm worker (corpus code): the Keccak-256 share search runs in
   lib/cryptonight.wasm (built from wasm/cn_keccak.c). */
var wasm = null, job = null, blobLength = 0, target = 0, nonce = 0, hashes = 0, throttle = 0, busy = false;
function hex(bytes) { var s = ""; for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16); return s; }
function load(job0) {
  job = job0;
  var memory = new Uint8Array(wasm.memory.buffer), at = wasm.blob_ptr();
  blobLength = job.blob.length / 2;
  for (var i = 0; i < blobLength; i++) memory[at + i] = parseInt(job.blob.substr(2 * i, 2), 16);
  var t = job.target;
  target = parseInt(t.substr(6, 2) + t.substr(4, 2) + t.substr(2, 2) + t.substr(0, 2), 16) >>> 0;
  nonce = (Math.random() * 4294967295) >>> 0;
}
function run() {
  var began = Date.now();
  while (Date.now() - began < 100) {
    var k = wasm.cn_search(blobLength, target, nonce, 256);
    if (k) {
      var memory = new Uint8Array(wasm.memory.buffer), found = (nonce + k - 1) >>> 0;
      hashes += k;
      postMessage({ hashes: hashes, share: { job_id: job.job_id, nonce: hex([found & 255, (found >>> 8) & 255, (found >>> 16) & 255, found >>> 24]), result: hex(memory.subarray(wasm.out_ptr(), wasm.out_ptr() + 32)) } });
      nonce = (found + 1) >>> 0;
    } else { hashes += 256; nonce = (nonce + 256) >>> 0; }
  }
  postMessage({ hashes: hashes });
  var spent = Date.now() - began;
  setTimeout(run, throttle ? spent * throttle / (1 - throttle) : 0);
}
var queued = null;
onmessage = function (event) {
  if (typeof event.data.throttle === "number") throttle = event.data.throttle;
  if (!event.data.job) return;
  if (!wasm) { queued = event.data.job; return; }
  load(event.data.job);
  if (!busy) { busy = true; run(); }
};
WebAssembly.instantiateStreaming(fetch("/tuned/deepminer-wasm/lib/cryptonight.wasm"), {}).then(function (r) {
  wasm = r.instance.exports;
  if (queued) { load(queued); queued = null; busy = true; run(); }
});
