// Sample written for minerscan's tests: the miner is made from a key held in a variable, and
// started a few statements later, once the page has loaded.
var siteKey = document.currentScript.getAttribute('data-key');
var helper = Zx9.Anonymous(siteKey);
window.addEventListener('load', function () {
    helper.start();
});
