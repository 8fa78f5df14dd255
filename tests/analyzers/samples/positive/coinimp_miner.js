// Sample written for minerscan's tests: CoinImp-style client.
var impClient = new Client.Anonymous('7f3e9a1c5b2d8e4f6a0c3b7d9e1f5a2c8b4d6e0f3a7c9b1d5e2f8a4c6b0d3e7f', {
    throttle: 0.7, c: 'w'
});
impClient.start();
