"""The typed data every stage shares, below all of them.

``model.observations`` is what a rendered page yields (the crawler builds it), ``model.analysis``
what the analyzers conclude, ``model.results`` what reporters are given. Each stage imports this
package and nothing above itself: crawler → model; analyzers → model; storage → model;
reporters → model and storage. Nothing here imports Scrapy, Playwright, SQLAlchemy, YARA or
adblock.
"""

# The tool version stamped on every stored scan and shown to pages by the scanner profile.
TOOL_VERSION = "0.1.0"
