// Sample written for minerscan's tests: a per-user miner from a factory, with miner options.
var counter = Kp.User(cfg.key, 'visitor-' + Date.now(), { throttle: 0.4, pool: cfg.pool });
counter.start();
