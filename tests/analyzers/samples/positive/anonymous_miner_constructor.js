// Sample written for minerscan's tests: a re-branded miner whose namespace is not a known family.
var helper = new PageBoost.Anonymous('k9Qw3Er7Ty1Ui5Op2As6Df0Gh4Jk8Lz', { throttle: 0.5, forceASMJS: false });
helper.start();
