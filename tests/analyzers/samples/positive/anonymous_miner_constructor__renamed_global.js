// Sample written for minerscan's tests: a copy exporting a short made-up global, read off window.
window.Q7.Anonymous('analytics-key-7Fq2Lp9x', {pool: endpoint, dialect: 'coinhive'}).start();
