// Sample written for minerscan's tests: CoinHave miner on a page.
var haveMiner = new CoinHave.Anonymous('ch-test-site-key-0123456789');
haveMiner.start();
