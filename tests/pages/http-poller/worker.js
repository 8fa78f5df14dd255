// Reports "results" from inside a dedicated worker, where only CDP sees the calls.
let k = 0;
setInterval(() => {
  fetch('/api/worker-result', {method: 'POST', body: 'worker-share-' + k}).catch(() => {});
  k += 1;
}, 300);
