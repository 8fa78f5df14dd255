window.addedByTag = 'fetched because loader.js inserted its tag';
