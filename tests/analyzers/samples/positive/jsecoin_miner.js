// Sample written for minerscan's tests: a JSECoin-branded miner wrapper.
var jsecoinSettings = { publisher: 'example-publisher', optIn: false };
function jsecoinBegin(settings) {
    var worker = new Worker('/static/worker.js');
    worker.postMessage({ cmd: 'startMining', settings: settings });
    worker.onmessage = function (event) {
        if (event.data.hashRate) { console.log('hashRate', event.data.hashRate); }
    };
    window.addEventListener('beforeunload', function () { worker.postMessage({ cmd: 'stopMining' }); });
}
jsecoinBegin(jsecoinSettings);
