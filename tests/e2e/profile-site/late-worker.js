// A miner's thread: told to start by its page, it waits half a minute on its own timer first.
// (A timer set in the worker's first moments races the debugger's resume of the worker, which
// Playwright wins; such a timer keeps real time. One set later, as here, runs ahead.)
onmessage = () => setTimeout(() => postMessage('worker started'), 30000);
