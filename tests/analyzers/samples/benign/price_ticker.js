// Sample written for minerscan's tests: a cryptocurrency price ticker.
var coins = [
    { symbol: 'BTC', name: 'Bitcoin', algorithm: 'SHA-256' },
    { symbol: 'XMR', name: 'Monero', algorithm: 'RandomX (formerly CryptoNight)' },
    { symbol: 'ETH', name: 'Ethereum', algorithm: 'Proof of stake' }
];
function formatPrice(value) { return '$' + value.toLocaleString(undefined, { maximumFractionDigits: 2 }); }
function refreshTicker() {
    fetch('/api/prices?symbols=BTC,XMR,ETH').then(function (r) { return r.json(); }).then(function (prices) {
        coins.forEach(function (coin) {
            var row = document.getElementById('ticker-' + coin.symbol);
            row.querySelector('.price').textContent = formatPrice(prices[coin.symbol].usd);
            row.querySelector('.algo').textContent = coin.algorithm;
            row.querySelector('.hashrate').textContent = prices[coin.symbol].networkHashrate + ' H/s';
        });
    });
}
var feed = new WebSocket('wss://stream.example.org/ticker/xmr-usd');
feed.onmessage = function (event) { var tick = JSON.parse(event.data); console.log('Monero', tick.price); };
setInterval(refreshTicker, 30000);
