"""The browser a page sees: user agent, client hints, cores, screen, GPU, automation flag.

Real miners look before they start: a ``HeadlessChrome`` user agent, ``navigator.webdriver``,
two cores or no mouse keep them quiet. A profile says what to present, per page visit:

- ``desktop`` (the default): a current Chrome on Windows, on a laptop;
- ``mobile``: Chrome on an Android phone (Playwright's "Pixel 7" descriptor);
- ``scanner``: minerscan as itself, for site owners who want their logs to say who called.

Profiles are plain data. :func:`identity` turns one into the user agent and client hints of the
Chromium actually driving the page (its real major version, so the two never disagree), and
:func:`page_script` / :func:`worker_script` give the JavaScript that fills the gaps CDP has no
override for. Applying them to a page is the instrumentation's job (see ``page.py``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DEFAULT_PROFILE",
    "DESKTOP",
    "MOBILE",
    "OWN_SOURCE_URL",
    "PROFILES",
    "SCANNER",
    "BrowserProfile",
    "Identity",
    "Screen",
    "brand_list",
    "chrome_version",
    "get_profile",
    "identity",
    "own_script",
    "page_script",
    "warp_call",
    "worker_script",
]

# What a Chromium reports when its version cannot be read; only used as a last resort.
_FALLBACK_VERSION = "156.0.0.0"
# Chromium's GREASE brand: the characters and versions it picks from, by major version.
_GREASE_CHARS = (" ", "(", ":", "-", ".", "/", ")", ";", "=", "?", "_")
_GREASE_VERSIONS = ("8", "99", "24")
_BRAND_ORDERS = ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0))


@dataclass(frozen=True)
class Screen:
    width: int
    height: int
    viewport_width: int
    viewport_height: int
    # The browser window around the viewport (tabs, address bar), as outerWidth/outerHeight.
    window_width: int
    window_height: int
    device_scale_factor: float = 1.0


@dataclass(frozen=True)
class BrowserProfile:
    """What one kind of visitor's browser looks like. ``{major}``/``{tool}`` fill templates."""

    name: str
    description: str
    user_agent: str  # template: {major} is the Chrome major version, {tool} minerscan/<version>
    platform: str  # client-hint platform: "Windows", "Android", "Linux"
    platform_version: str
    architecture: str
    bitness: str
    model: str
    mobile: bool
    form_factor: str  # "Desktop", "Mobile"
    brand: str | None  # "Google Chrome"; None: a plain Chromium's brands
    screen: Screen
    has_touch: bool = False
    hardware_concurrency: int | None = None  # None: the machine's own
    device_memory: int | None = None
    webgl_vendor: str | None = None
    webgl_renderer: str | None = None
    languages: tuple[str, ...] = ("en-US", "en")
    stealth: bool = True  # hide automation (navigator.webdriver false, window.chrome, plugins)
    # Behave like a person during the dwell: a focused tab, clicks, keys, tab switches, and the
    # page's timers run ahead. The scanner profile does not, so that a miner gated on a person
    # or a long timer stays quiet for it (which is what shows that its gate is real).
    acts_human: bool = True

    def context_options(self) -> dict[str, Any]:
        """Keyword arguments for Playwright's ``browser.new_context``: what must be set at birth.

        The user agent is *not* among them: it is set over CDP with full client hints, on the
        page and on every worker (Playwright's own override carries no brands).
        """
        screen = self.screen
        return {
            "viewport": {"width": screen.viewport_width, "height": screen.viewport_height},
            "screen": {"width": screen.width, "height": screen.height},
            "device_scale_factor": screen.device_scale_factor,
            "is_mobile": self.mobile,
            "has_touch": self.has_touch,
        }


@dataclass(frozen=True)
class Identity:
    """A profile resolved against the real browser: the CDP user-agent override to send."""

    user_agent: str
    accept_language: str
    metadata: dict[str, Any]  # Emulation.UserAgentMetadata (client hints)

    def override(self) -> dict[str, Any]:
        """Parameters of ``Emulation.setUserAgentOverride``."""
        params: dict[str, Any] = {
            "userAgent": self.user_agent,
            "acceptLanguage": self.accept_language,
        }
        params["userAgentMetadata"] = dict(self.metadata)
        return params


DESKTOP = BrowserProfile(
    name="desktop",
    description="Chrome on a Windows laptop: the browser most visitors have",
    user_agent=(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36"
    ),
    platform="Windows",
    platform_version="19.0.0",  # Windows 11 24H2
    architecture="x86",
    bitness="64",
    model="",
    mobile=False,
    form_factor="Desktop",
    brand="Google Chrome",
    # A 15.6" laptop at 1920x1080, the browser maximised above a 40 px taskbar.
    screen=Screen(1920, 1080, 1920, 953, 1920, 1040),
    hardware_concurrency=8,
    device_memory=8,
    webgl_vendor="Google Inc. (Intel)",
    webgl_renderer=(
        "ANGLE (Intel, Intel(R) UHD Graphics 620 (0x00003EA0) Direct3D11 vs_5_0 ps_5_0, D3D11)"
    ),
)

# Viewport, screen, scale factor, touch and device model are Playwright's "Pixel 7" descriptor
# (tests/instrument checks they still agree); the Chrome version is the real browser's.
MOBILE = BrowserProfile(
    name="mobile",
    description="Chrome on an Android phone (Pixel 7)",
    user_agent=(
        "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/{major}.0.0.0 Mobile Safari/537.36"
    ),
    platform="Android",
    platform_version="14.0.0",
    architecture="",
    bitness="",
    model="Pixel 7",
    mobile=True,
    form_factor="Mobile",
    brand="Google Chrome",
    screen=Screen(412, 915, 412, 839, 412, 839, device_scale_factor=2.625),
    has_touch=True,
    hardware_concurrency=8,
    device_memory=8,
    webgl_vendor="ARM",
    webgl_renderer="Mali-G710",
)

SCANNER = BrowserProfile(
    name="scanner",
    description="minerscan as itself: a headless Chrome that names the tool",
    user_agent=(
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/{major}.0.0.0 Safari/537.36 {tool} (cryptojacking scanner)"
    ),
    platform="Linux",
    platform_version="",
    architecture="x86",
    bitness="64",
    model="",
    mobile=False,
    form_factor="Desktop",
    brand=None,
    screen=Screen(1280, 720, 1280, 720, 1280, 720),
    stealth=False,
    acts_human=False,
)

PROFILES: dict[str, BrowserProfile] = {p.name: p for p in (DESKTOP, MOBILE, SCANNER)}
DEFAULT_PROFILE = DESKTOP.name


def get_profile(name: str) -> BrowserProfile:
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ValueError(f"unknown browser profile {name!r} (known: {known})") from None


def chrome_version(text: str) -> str:
    """The dotted version in ``Chromium 156.0.8078.114 built on ...`` or ``156.0.8078.114``."""
    match = re.search(r"(\d+)\.(\d+)\.(\d+)\.(\d+)", text or "")
    if match:
        return match.group(0)
    major = re.search(r"\b(\d{2,3})\b", text or "")
    return f"{major.group(1)}.0.0.0" if major else _FALLBACK_VERSION


def brand_list(brand: str | None, full_version: str, *, full: bool) -> list[dict[str, str]]:
    """Chromium's brand list for this version: GREASE brand, Chromium and ``brand``, ordered
    the way Chromium orders them (it depends on the major version, so it must be computed)."""
    major = int(full_version.split(".", 1)[0])
    grease_name = (
        f"Not{_GREASE_CHARS[major % len(_GREASE_CHARS)]}A"
        f"{_GREASE_CHARS[(major + 1) % len(_GREASE_CHARS)]}Brand"
    )
    grease_version = _GREASE_VERSIONS[major % len(_GREASE_VERSIONS)]
    version = full_version if full else str(major)
    entries = [
        {"brand": grease_name, "version": f"{grease_version}.0.0.0" if full else grease_version},
        {"brand": "Chromium", "version": version},
    ]
    if brand is None:
        return entries
    entries.append({"brand": brand, "version": version})
    order = _BRAND_ORDERS[major % len(_BRAND_ORDERS)]
    out: list[dict[str, str]] = [{}, {}, {}]
    for position, entry in zip(order, entries):
        out[position] = entry
    return out


def identity(profile: BrowserProfile, browser_version: str, tool_version: str) -> Identity:
    """The user agent and client hints ``profile`` presents on a Chromium of this version."""
    full = chrome_version(browser_version)
    major = full.split(".", 1)[0]
    user_agent = profile.user_agent.format(major=major, tool=f"minerscan/{tool_version}")
    accept_language = ",".join(profile.languages)
    metadata = {
        "brands": brand_list(profile.brand, full, full=False),
        "fullVersionList": brand_list(profile.brand, full, full=True),
        "fullVersion": full,
        "platform": profile.platform,
        "platformVersion": profile.platform_version,
        "architecture": profile.architecture,
        "model": profile.model,
        "mobile": profile.mobile,
        "bitness": profile.bitness,
        "wow64": False,
        "formFactors": [profile.form_factor],
    }
    return Identity(user_agent, accept_language, metadata)


# -- the JavaScript ---------------------------------------------------------------------------
#
# One script for pages and frames (Playwright runs it before any page script) and a smaller one
# for workers (sent over CDP when the worker attaches). Getters are put on the prototypes, where
# the real ones live, so ``Object.getOwnPropertyNames(navigator)`` stays empty as in Chrome.
#
# Everything minerscan runs in a page carries OWN_SOURCE_URL, the name the script recorder
# already leaves out (it is what Playwright calls its evaluations): our code is not the page's.

OWN_SOURCE_URL = "__playwright_evaluation_script__"
_OWN_MARK = f"\n//# sourceURL={OWN_SOURCE_URL}\n"


def own_script(source: str) -> str:
    """``source`` marked as minerscan's, so it is not recorded among the page's scripts."""
    return source + _OWN_MARK


_PAGE_SCRIPT = r"""
(() => {
  const P = %(profile)s;
%(warp)s  const define = (proto, name, value) => {
    try {
      Object.defineProperty(proto, name, {get: () => value, configurable: true, enumerable: true});
    } catch (e) {}
  };
  if (P.warp) installWarp(P.warp);
  const nav = Object.getPrototypeOf(navigator);
  if (P.webdriver !== null) define(nav, 'webdriver', P.webdriver);
  if (P.cores !== null) define(nav, 'hardwareConcurrency', P.cores);
  if (P.memory !== null) define(nav, 'deviceMemory', P.memory);
  if (!P.stealth) return;
  // Headless windows have no tabs or address bar: outer size would equal the viewport's.
  define(Window.prototype, 'outerWidth', P.window[0]);
  define(Window.prototype, 'outerHeight', P.window[1]);
  if (!window.chrome) {
    const chrome = {app: {isInstalled: false}, runtime: {}};
    chrome.loadTimes = function loadTimes() { return {}; };
    chrome.csi = function csi() { return {}; };
    Object.defineProperty(window, 'chrome', {value: chrome, writable: true, configurable: true});
  }
  if (navigator.plugins && navigator.plugins.length === 0) {
    // Chrome lists its PDF viewer five times over; headless-shell lists nothing.
    const names = ['PDF Viewer', 'Chrome PDF Viewer', 'Chromium PDF Viewer',
                   'Microsoft Edge PDF Viewer', 'WebKit built-in PDF'];
    const mimes = [{type: 'application/pdf', suffixes: 'pdf', description: 'Portable Document Format'},
                   {type: 'text/pdf', suffixes: 'pdf', description: 'Portable Document Format'}];
    const list = (items, key) => {
      const out = {length: items.length, item: (i) => items[i] || null,
                   namedItem: (n) => items.find((x) => x[key] === n) || null,
                   [Symbol.iterator]: function* () { yield* items; }};
      items.forEach((x, i) => { out[i] = x; });
      return out;
    };
    const plugins = names.map((name) => {
      const plugin = list(mimes.map((m) => ({...m})), 'type');
      plugin.name = name; plugin.filename = 'internal-pdf-viewer';
      plugin.description = 'Portable Document Format';
      return plugin;
    });
    define(nav, 'plugins', list(plugins, 'name'));
    define(nav, 'mimeTypes', list(mimes, 'type'));
    define(nav, 'pdfViewerEnabled', true);
  }
  if (P.gl) {
    // UNMASKED_VENDOR_WEBGL / UNMASKED_RENDERER_WEBGL: a laptop's GPU, not SwiftShader.
    const patch = (proto) => {
      if (!proto) return;
      const real = proto.getParameter;
      const getParameter = function getParameter(name) {
        if (name === 0x9245) return P.gl[0];
        if (name === 0x9246) return P.gl[1];
        return real.apply(this, arguments);
      };
      Object.defineProperty(proto, 'getParameter', {value: getParameter, writable: true,
                                                    configurable: true, enumerable: true});
    };
    patch(window.WebGLRenderingContext && WebGLRenderingContext.prototype);
    patch(window.WebGL2RenderingContext && WebGL2RenderingContext.prototype);
  }
})();
"""

_WARP_SCRIPT = r"""
  // Timers that can be run ahead: self[P.warp](ms) moves this global's clock (Date,
  // performance.now) forward by ms and fires, once, every timer that became due, in a page
  // or a dedicated worker. requestAnimationFrame keeps real time; so does everything until
  // the first jump.
  function installWarp(name) {
    const G = globalThis;
    if (Object.prototype.hasOwnProperty.call(G, name)) return;  // installed already
    const realSetTimeout = G.setTimeout.bind(G);
    const realClearTimeout = G.clearTimeout.bind(G);
    const RealDate = G.Date;
    const realDateNow = RealDate.now.bind(RealDate);
    const realPerfNow = performance.now.bind(performance);
    const timers = new Map();
    let offset = 0;
    let nextId = 1;
    const pageNow = () => realPerfNow() + offset;
    const arm = (id, timer) => {
      timer.real = realSetTimeout(() => fire(id), Math.max(0, timer.due - pageNow()));
    };
    const fire = (id) => {
      const timer = timers.get(id);
      if (!timer) return;
      if (timer.period === null) timers.delete(id);
      else { timer.due = pageNow() + timer.period; arm(id, timer); }
      if (typeof timer.handler === 'function') timer.handler.apply(G, timer.args);
      else realSetTimeout(String(timer.handler), 0);  // setTimeout("code"): compiled as before
    };
    const schedule = (handler, delay, args, repeat) => {
      const ms = Math.max(0, Number(delay) || 0);
      const id = nextId++;
      const timer = {handler, args, due: pageNow() + ms, period: repeat ? ms : null, real: 0};
      timers.set(id, timer);
      arm(id, timer);
      return id;
    };
    const cancel = (id) => {
      const timer = timers.get(id);
      if (!timer) return;
      realClearTimeout(timer.real);
      timers.delete(id);
    };
    G.setTimeout = function setTimeout(handler, delay, ...args) {
      return schedule(handler, delay, args, false);
    };
    G.setInterval = function setInterval(handler, delay, ...args) {
      return schedule(handler, delay, args, true);
    };
    G.clearTimeout = function clearTimeout(id) { cancel(id); };
    G.clearInterval = function clearInterval(id) { cancel(id); };
    function Date(...args) {
      if (!new.target) return new RealDate(realDateNow() + offset).toString();
      if (args.length === 0) return Reflect.construct(RealDate, [realDateNow() + offset], new.target);
      return Reflect.construct(RealDate, args, new.target);
    }
    Date.prototype = RealDate.prototype;
    Date.now = function now() { return realDateNow() + offset; };
    Date.parse = RealDate.parse;
    Date.UTC = RealDate.UTC;
    G.Date = Date;
    performance.now = function now() { return realPerfNow() + offset; };
    const warp = (ms) => {
      offset += ms;
      const now = pageNow();
      for (const [id, timer] of timers) {
        realClearTimeout(timer.real);
        if (timer.due < now) timer.due = now;  // due: fires on the next turn, once
        arm(id, timer);
      }
      const frames = G.frames || [];  // a page's same-process frames; none in a worker
      for (let i = 0; i < frames.length; i++) {
        try { const inner = frames[i][name]; if (inner) inner(ms); } catch (e) {}
      }
      return offset;
    };
    Object.defineProperty(G, name, {value: warp, enumerable: false});
  }
"""

_WORKER_SCRIPT = r"""
(() => {
  const P = %(profile)s;
  const nav = Object.getPrototypeOf(navigator);
  const define = (name, value) => {
    try {
      Object.defineProperty(nav, name, {get: () => value, configurable: true, enumerable: true});
    } catch (e) {}
  };
%(warp)s  if (P.warp) installWarp(P.warp);
  if (P.cores !== null) define('hardwareConcurrency', P.cores);
  if (P.memory !== null) define('deviceMemory', P.memory);
})();
"""


def _script_values(profile: BrowserProfile, warp: str | None = None) -> str:
    screen = profile.screen
    gl = (
        [profile.webgl_vendor, profile.webgl_renderer]
        if profile.webgl_vendor and profile.webgl_renderer
        else None
    )
    values = {
        # The scanner does not hide automation; the others are not automated, as far as
        # the page can tell (--disable-blink-features=AutomationControlled does the rest).
        "webdriver": None if profile.stealth else True,
        "cores": profile.hardware_concurrency,
        "memory": profile.device_memory,
        "stealth": profile.stealth,
        "window": [screen.window_width, screen.window_height],
        "gl": gl,
        "warp": warp,
    }
    return json.dumps(values)


def page_script(profile: BrowserProfile, warp: str | None = None) -> str:
    """JavaScript run in every frame before its own scripts.

    ``warp`` names the (hidden) function that runs the page's timers ahead; None leaves the
    page's timers and clock native.
    """
    return own_script(
        _PAGE_SCRIPT % {"profile": _script_values(profile, warp), "warp": _WARP_SCRIPT}
    )


def warp_call(warp: str, seconds: float) -> str:
    """The expression that runs the page's clock ``seconds`` ahead (see :func:`page_script`)."""
    return own_script(f"globalThis[{json.dumps(warp)}]({int(seconds * 1000)})")


def worker_script(profile: BrowserProfile, warp: str | None = None) -> str | None:
    """JavaScript evaluated in each worker as it attaches; None when nothing needs changing.

    ``warp`` (dedicated workers only) installs the same runnable-ahead timers as the page's.
    """
    if profile.hardware_concurrency is None and profile.device_memory is None and warp is None:
        return None
    values = _script_values(profile, warp)
    return own_script(_WORKER_SCRIPT % {"profile": values, "warp": _WARP_SCRIPT})
