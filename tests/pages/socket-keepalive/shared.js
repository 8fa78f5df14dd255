importScripts('client.js');
// The browser-level session reaches a shared worker a moment after it starts: the client
// waits for it, so the test sees the login (what it tests is what is kept, not that race).
setTimeout(() => runClient('shared', 20), 1500);
onconnect = () => {};
