// Derives a 256-bit key from a password with PBKDF2-SHA-256, `rounds` times in a row (the
// first run warms up, the second is the one we keep), and reports back once.
self.onmessage = function (event) {
  var job = event.data, encoder = new TextEncoder();
  crypto.subtle.importKey('raw', encoder.encode(job.password), 'PBKDF2', false, ['deriveBits'])
    .then(function (key) {
      var params = { name: 'PBKDF2', hash: 'SHA-256', salt: encoder.encode(job.salt),
                     iterations: job.iterations };
      var chain = Promise.resolve(null);
      for (var i = 0; i < job.rounds; i++) {
        chain = chain.then(function () { return crypto.subtle.deriveBits(params, key, 256); });
      }
      return chain;
    })
    .then(function (bits) {
      self.postMessage({ iterations: job.iterations, bytes: new Uint8Array(bits).length });
    });
};
