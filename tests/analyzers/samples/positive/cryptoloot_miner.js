// Sample written for minerscan's tests: CryptoLoot user-bound miner.
var lootMiner = new CRLT.User('b41c7e2f9a0d36e8c5f1a27b94d0e6c3', 'visitor-17', { threads: 2 });
lootMiner.start();
