// Sample written for minerscan's tests: a worker deriving keys with PBKDF2 and a bcrypt-like cost loop.
var wasmHasher = null;
WebAssembly.instantiate(self.argonBytes || new Uint8Array(0), {}).then(function (r) {
    wasmHasher = r.instance.exports.argon2_hash;
}, function () {});
function deriveKey(password, salt, iterations) {
    var enc = new TextEncoder();
    return crypto.subtle.importKey('raw', enc.encode(password), 'PBKDF2', false, ['deriveBits'])
        .then(function (key) {
            return crypto.subtle.deriveBits({ name: 'PBKDF2', salt: enc.encode(salt), iterations: iterations, hash: 'SHA-256' }, key, 256);
        });
}
function costLoop(state, cost) {
    var rounds = 1 << cost;
    for (var i = 0; i < rounds; i++) {
        state = (state * 31 + i) >>> 0;
        state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
    }
    return state;
}
self.onmessage = function (event) {
    var job = event.data;
    deriveKey(job.password, job.salt, 210000).then(function (bits) {
        self.postMessage({ id: job.id, hash: new Uint8Array(bits), check: costLoop(job.id, 10) });
    });
};
