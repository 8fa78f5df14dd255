// Sample written for minerscan's tests: self-hosted deepMiner start-up.
var poolMiner = new deepMiner.Anonymous('47exampleWalletAddressForTestsOnly0000000000', {
    autoThreads: true
});
poolMiner.start();
