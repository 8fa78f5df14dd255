// Case b: the whole miner, socket included, runs in this dedicated worker.
importScripts('/static/m-hash.js', '/static/m.js');
var miner = Miner.Anonymous('case-b-worker-socket', {pool: '{{POOL_WS}}', inline: true});
miner.start();
