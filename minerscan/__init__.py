"""minerscan: the command line and the reports, on top of crawler, analyzers and storage."""

from model import TOOL_VERSION as __version__

__all__ = ["__version__"]
