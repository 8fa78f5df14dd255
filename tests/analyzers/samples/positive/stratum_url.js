// Sample written for minerscan's tests: a config naming a Stratum pool for a relay.
var relayConfig = { upstream: 'stratum+tcp://pool.example.test:4444', user: 'wallet.worker1' };
