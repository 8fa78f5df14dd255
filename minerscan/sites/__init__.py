"""Local test sites: a static site server, mining-pool emulators and the bundled demo site.

Everything listens on 127.0.0.1 only. Used by the test suite and by ``minerscan demo``.
"""

from minerscan.sites._loop import free_port
from minerscan.sites.pool import DIALECTS, PoolEmulator
from minerscan.sites.server import SiteServer

__all__ = ["DIALECTS", "PoolEmulator", "SiteServer", "free_port"]
