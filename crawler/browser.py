"""Which Chromium we drive, and whether it works here (``minerscan doctor``).

Search order: an explicit path (``--browser-path``) or ``MINERSCAN_CHROMIUM``; Playwright's own
download; Debian's ``chromium-headless-shell`` (same results as full Chromium at about a third
of the memory per page, see DESIGN.md); a system Chromium or Chrome on the PATH.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

__all__ = [
    "ENV_VAR",
    "BrowserInfo",
    "BrowserNotFound",
    "browser_home",
    "doctor_report",
    "find_browser",
    "running_as_root",
    "sandbox_plan",
]

ENV_VAR = "MINERSCAN_CHROMIUM"
HEADLESS_SHELL = "/usr/lib/chromium/chromium-headless-shell"
SYSTEM_PATHS = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
)
SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
VERSION_TIMEOUT = 10.0
LAUNCH_TIMEOUT = 30.0

HOW_TO_FIX = (
    "install one with `python -m playwright install chromium` or `apt-get install chromium` "
    f"(or chromium-headless-shell), or point {ENV_VAR} / --browser-path at a Chromium binary"
)


class BrowserNotFound(RuntimeError):
    """No usable Chromium: the message lists what was tried and how to fix it."""


@dataclass(frozen=True)
class BrowserInfo:
    path: str
    kind: str  # "chromium-headless-shell", "chromium" or "chrome"
    version: str  # "Chromium 156.0.8078.108", or "" when --version did not answer
    source: str  # "explicit", "MINERSCAN_CHROMIUM", "playwright" or "system"

    def describe(self) -> str:
        return f"{self.path} ({self.version or 'unknown version'})"


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass(frozen=True)
class SandboxPlan:
    """Whether Chromium keeps its sandbox; when not, the one warning that says how to get it."""

    enabled: bool
    warning: str | None = None


NON_ROOT_TIP = (
    "run minerscan as an ordinary user to keep Chromium's sandbox "
    "(e.g. `useradd -m scanner && sudo -u scanner minerscan scan ...`)"
)


def user_namespaces_available() -> bool:
    """Chromium's namespace sandbox needs unprivileged user namespaces (Linux)."""
    try:
        if Path("/proc/sys/kernel/unprivileged_userns_clone").read_text().strip() == "0":
            return False
    except OSError:
        pass  # the knob only exists on some kernels (Debian's); absent means allowed
    try:
        return int(Path("/proc/sys/user/max_user_namespaces").read_text().strip()) > 0
    except (OSError, ValueError):
        return not os.path.isdir("/proc")  # not Linux: Chromium uses the OS's own sandbox


def sandbox_plan(*, as_root: bool | None = None, userns: bool | None = None) -> SandboxPlan:
    """Keep the sandbox unless Chromium cannot start with it.

    As root Chromium refuses to start sandboxed; without user namespaces (and no setuid
    helper) it cannot build its sandbox. Either way the page runs unsandboxed, so say so once.
    """
    as_root = running_as_root() if as_root is None else as_root
    userns = user_namespaces_available() if userns is None else userns
    if as_root:
        return SandboxPlan(
            False, f"running as root: Chromium's sandbox is off for this scan; {NON_ROOT_TIP}"
        )
    if not userns:
        return SandboxPlan(
            False,
            "user namespaces are disabled, so Chromium cannot start its sandbox and runs "
            "without it; enable them (sysctl kernel.unprivileged_userns_clone=1 or "
            "user.max_user_namespaces) to keep it",
        )
    return SandboxPlan(True)


# -- the browser's own files -----------------------------------------------------------------

HOME_PREFIX = "minerscan-browser-"


def browser_home(root: str | None = None) -> tuple[str, dict[str, str]]:
    """A fresh folder for what Chromium writes outside its profile, and the environment that
    sends it there: HOME and the XDG folders (crash reports, fontconfig, dconf, ~/.pki).

    Its TMPDIR is a folder of its own too (what a browser killed mid-scan leaves there goes with
    it), short enough for the socket full Chromium puts there: a socket's path must stay under
    108 bytes, so under a long TMPDIR it is made in /tmp instead.

    Removed when the process exits; folders of scans that died without removing theirs (their
    process is gone) are removed the next time one starts.
    """
    base = root or tempfile.gettempdir()
    _remove_stale_homes(base)
    if base != "/tmp" and os.path.isdir("/tmp"):
        _remove_stale_homes("/tmp")
    folder = tempfile.mkdtemp(prefix=f"{HOME_PREFIX}{os.getpid()}-", dir=base)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    env = dict(os.environ)
    for name, sub in (
        ("HOME", "home"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_RUNTIME_DIR", "run"),
    ):
        path = os.path.join(folder, sub)
        os.makedirs(path, mode=0o700, exist_ok=True)
        env[name] = path
    env["TMPDIR"] = os.path.join(folder, "tmp")
    if len(env["TMPDIR"]) > _SHORT_ENOUGH and os.path.isdir("/tmp"):
        env["TMPDIR"] = tempfile.mkdtemp(prefix=f"{HOME_PREFIX}{os.getpid()}-", dir="/tmp")
        atexit.register(shutil.rmtree, env["TMPDIR"], ignore_errors=True)
    os.makedirs(env["TMPDIR"], mode=0o700, exist_ok=True)
    return folder, env


# 108 bytes for a socket path, less ".org.chromium.Chromium.XXXXXX/SingletonSocket"
_SHORT_ENOUGH = 107 - 46


def _remove_stale_homes(base: str) -> None:
    with contextlib.suppress(OSError):
        for entry in os.scandir(base):
            if not entry.name.startswith(HOME_PREFIX) or not entry.is_dir(follow_symlinks=False):
                continue
            pid = entry.name[len(HOME_PREFIX) :].split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(entry.path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process
    return True


def find_browser(explicit: str | None = None) -> BrowserInfo:
    tried: list[str] = []
    chosen = _explicit_choice(explicit, tried)
    if chosen is None:
        chosen = _first_installed(tried)
    if chosen is None:
        raise BrowserNotFound(f"no Chromium found (tried: {'; '.join(tried)}); {HOW_TO_FIX}")
    path, source = chosen
    return BrowserInfo(path=path, kind=_kind(path), version=browser_version(path), source=source)


def _explicit_choice(explicit: str | None, tried: list[str]) -> tuple[str, str] | None:
    """An explicit path must work: silently falling back to another browser would surprise."""
    for value, source, label in (
        (explicit, "explicit", "--browser-path"),
        (os.environ.get(ENV_VAR), ENV_VAR, ENV_VAR),
    ):
        if not value:
            continue
        resolved = shutil.which(value) if os.sep not in value else value
        if resolved and _is_executable(resolved):
            return resolved, source
        raise BrowserNotFound(
            f"{label} points at {value!r}, which is not an executable file; "
            f"fix the path, or unset it to let minerscan search ({HOW_TO_FIX})"
        )
    tried.append(f"{ENV_VAR} (unset)")
    return None


def _first_installed(tried: list[str]) -> tuple[str, str] | None:
    playwright_path = _playwright_chromium()
    tried.append(f"Playwright's chromium ({playwright_path or 'not known to playwright'})")
    if playwright_path and _is_executable(playwright_path):
        return playwright_path, "playwright"
    tried.append(HEADLESS_SHELL)
    if _is_executable(HEADLESS_SHELL):
        return HEADLESS_SHELL, "system"
    for candidate in SYSTEM_PATHS:
        tried.append(candidate)
        if _is_executable(candidate):
            return candidate, "system"
    for name in SYSTEM_NAMES:
        found = shutil.which(name)
        if found and _is_executable(found):
            return found, "system"
    tried.append(f"PATH ({', '.join(SYSTEM_NAMES)})")
    return None


def _playwright_chromium() -> str | None:
    """Where Playwright would launch Chromium from (whether or not it is downloaded)."""
    if not _playwright_downloaded_chromium():
        return None  # asking Playwright's driver costs a second or two; nothing to find anyway

    def ask() -> str:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            return pw.chromium.executable_path

    # The sync API refuses to run inside an asyncio loop; a fresh thread has none.
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(ask).result(timeout=VERSION_TIMEOUT)
        except Exception:  # noqa: BLE001 - no driver, unsupported platform: just not a candidate
            return None


def _playwright_downloaded_chromium() -> bool:
    """Whether Playwright's browser cache holds any Chromium build (cheap, no driver)."""
    custom = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if custom == "0":
        import playwright

        roots = [Path(playwright.__file__).parent / "driver" / "package" / ".local-browsers"]
    elif custom:
        roots = [Path(custom)]
    else:
        home = Path.home()
        roots = [
            home / ".cache" / "ms-playwright",
            home / "Library" / "Caches" / "ms-playwright",
            Path(os.environ.get("LOCALAPPDATA", home)) / "ms-playwright",
        ]
    return any(root.is_dir() and any(root.glob("chromium*")) for root in roots)


def _is_executable(path: str) -> bool:
    return Path(path).is_file() and os.access(path, os.X_OK)


def _kind(path: str) -> str:
    name = Path(path).name.lower()
    if "headless" in name and "shell" in name:
        return "chromium-headless-shell"
    if "chrome" in name and "chromium" not in str(path).lower():
        return "chrome"
    return "chromium"


def browser_version(path: str) -> str:
    try:
        done = subprocess.run(
            [path, "--version"],
            capture_output=True,
            text=True,
            timeout=VERSION_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    return lines[-1] if lines else ""


# -- doctor --------------------------------------------------------------------------------------

Check = tuple[str, bool, str]


def doctor_report(explicit: str | None = None) -> list[Check]:
    """Each check as (name, ok, detail), in the order ``minerscan doctor`` prints them."""
    checks: list[Check] = []
    try:
        browser = find_browser(explicit)
    except BrowserNotFound as exc:
        checks.append(("browser", False, str(exc)))
    else:
        found = f"{browser.describe()}, {browser.kind}, found via {browser.source}"
        checks.append(("browser", True, found))
        checks.append(_launch_check(browser))
    checks.append(_package_check("playwright"))
    checks.append(_package_check("scrapy-playwright"))
    checks.append(_package_check("scrapy"))
    if running_as_root():
        checks.append(("sandbox", True, "running as root: Chromium runs with --no-sandbox"))
    else:
        checks.append(("sandbox", True, "not root: Chromium keeps its sandbox"))
    return checks


def _package_check(name: str) -> Check:
    try:
        return (name, True, version(name))
    except PackageNotFoundError:
        return (name, False, f"not installed: pip install {name}")


def _launch_check(browser: BrowserInfo) -> Check:
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            title = pool.submit(asyncio.run, _render_blank(browser)).result(
                timeout=LAUNCH_TIMEOUT + 5
            )
        except Exception as exc:  # noqa: BLE001 - any failure to start is the answer
            first = next((line for line in str(exc).splitlines() if line.strip()), repr(exc))
            return ("launch", False, f"could not launch headless and render about:blank: {first}")
    return (
        "launch",
        True,
        f"launched headless, rendered about:blank ({title}) in {time.monotonic() - started:.1f} s",
    )


async def _render_blank(browser: BrowserInfo) -> str:
    from playwright.async_api import async_playwright

    from crawler.instrument import browser_args

    as_root = running_as_root()
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(
            executable_path=browser.path,
            headless=True,
            args=browser_args(as_root=as_root, closed_network=True),
            chromium_sandbox=not as_root,
            timeout=LAUNCH_TIMEOUT * 1000,
        )
        try:
            page = await chromium.new_page()
            await page.goto("about:blank", timeout=LAUNCH_TIMEOUT * 1000)
            result = await page.evaluate("() => document.readyState + ', JavaScript ran'")
            return str(result)
        finally:
            await chromium.close()
