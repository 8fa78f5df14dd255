"""Chromium command-line flags every minerscan browser is launched with."""

from __future__ import annotations

# Keep Chromium from phoning home: no background fetches, updates, sync or QUIC probes.
_QUIET_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)

# A wheel notch scrolls at once instead of animating over a dozen frames: the page still gets
# its scroll events and its new scroll position, at a fraction of the paint and GPU work
# (measured: the person-like scroll cost about 0.25 CPU-s per page with the animation).
_COST_FLAGS = ("--disable-smooth-scrolling",)

# Playwright starts Chromium with --enable-automation, which sets navigator.webdriver; this
# turns the flag back off for pages (the scanner profile sets it again, on purpose).
STEALTH_FLAGS = ("--disable-blink-features=AutomationControlled",)

# Chromium still resolves Google hosts with the flags above; in tests nothing but loopback
# may be looked up (*.localhost is loopback in Chromium: several test sites on one server).
CLOSED_NETWORK_RULES = (
    "MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE *.localhost , EXCLUDE 127.0.0.1"
)


def browser_args(*, as_root: bool, closed_network: bool, stealth: bool = True) -> list[str]:
    """Flags for ``chromium.launch(args=...)``.

    ``as_root`` adds ``--no-sandbox`` (Chromium refuses to start its sandbox as root);
    ``closed_network`` makes every host but localhost and 127.0.0.1 fail to resolve;
    ``stealth`` hides the automation flag (wanted unless every page uses the scanner profile).
    """
    args = [*_QUIET_FLAGS, *_COST_FLAGS]
    if stealth:
        args.extend(STEALTH_FLAGS)
    if as_root:
        args.append("--no-sandbox")
    if closed_network:
        args.append(f"--host-resolver-rules={CLOSED_NETWORK_RULES}")
    return args
