// Sample written for minerscan's tests: a library exporting a factory, so the page starts the
// miner without `new`, in one statement.
Miner.Anonymous('site-key-0a1b2c3d4e5f', {pool: 'ws://127.0.0.1:9000/', dialect: 'stratum', wallet: 'demo-wallet.page-7'}).start();
