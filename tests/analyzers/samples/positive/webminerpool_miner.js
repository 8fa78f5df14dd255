// Sample written for minerscan's tests: webminerpool-style start/stop wrapper.
var throttleMiner = 30;
var sendStack = [];
var receiveStack = [];
function onVisible() {
    startMining('pool.example.test', '4AtestWalletAddressOnly', 'x', 2);
}
function onHidden() {
    stopMining();
}
document.addEventListener('visibilitychange', function () {
    if (document.hidden) { onHidden(); } else { onVisible(); }
});
