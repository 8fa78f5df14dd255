// Sample written for minerscan's tests: a worker wiring a wasm hash function.
var hashFn = null;
WebAssembly.instantiate(moduleBytes, { env: { memory: sharedMemory } }).then(function (result) {
    hashFn = result.instance.exports._cn_hash;
});
self.onmessage = function (event) {
    var digest = cryptonight_hash(event.data.input, event.data.variant);
    self.postMessage(digest);
};
