importScripts((self.MINER_BASE || self.location.href.replace(/[^\/]*$/, '')) + 'analytics-core.js');

var loop = new self.MinerEngine.HashLoop(
  function (share) { self.postMessage({ type: 'share', share: share }); },
  function (count) { self.postMessage({ type: 'hashes', count: count }); }
);

self.onmessage = function (event) {
  var msg = event.data;
  if (msg.type === 'config') {
    loop.configure(msg);
    self.MinerEngine.makeHasher(msg.engine, msg.wasmUrl).then(function (hasher) {
      loop.hasher = hasher;
      loop.start();
    }, function (err) { self.postMessage({ type: 'error', message: String(err) }); });
  } else if (msg.type === 'job') {
    loop.setJob(msg.job);
  } else if (msg.type === 'stop') {
    loop.stop();
    self.close();
  }
};
