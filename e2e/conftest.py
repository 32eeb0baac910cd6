"""Two real Lanban app instances under one Xvfb, each driven through its own tauri-driver + WebKitWebDriver.

Everything runs on this machine: the apps talk to each other over loopback only.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import urllib3
from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.client_config import ClientConfig

ROOT = Path(__file__).resolve().parent.parent
APP = Path(os.environ.get("LANBAN_APP", ROOT / "target" / "debug" / "lanban"))
SHOTS = ROOT / "target" / "e2e"
# Seconds any one WebDriver command may take before the test fails: a command WebKitWebDriver never answers (seen
# once, a screenshot) fails the test instead of holding the whole run until CI's limit. Nothing here takes near it.
COMMAND_TIMEOUT = 180


def client_config(url: str, timeout: float | None = COMMAND_TIMEOUT) -> ClientConfig:
    """How selenium talks to a driver at `url`: each command bounded by `timeout` seconds, and never sent again
    after a timeout (urllib3 would otherwise resend an unanswered GET three times)."""
    retries = urllib3.Retry(total=3, read=0)
    return ClientConfig(remote_server_addr=url, timeout=timeout,
                        init_args_for_pool_manager={"init_args_for_pool_manager": {"retries": retries}})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}")


@pytest.fixture(scope="session")
def display():
    """An Xvfb display of our own (or the one given in LANBAN_E2E_DISPLAY)."""
    given = os.environ.get("LANBAN_E2E_DISPLAY")
    if given:
        yield given
        return
    number = 90 + os.getpid() % 9
    name = f":{number}"
    xvfb = subprocess.Popen(
        ["Xvfb", name, "-screen", "0", "1600x900x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("Xvfb did not start")
        time.sleep(0.05)
    yield name
    xvfb.terminate()
    xvfb.wait(10)


# The instances running now, for the check after each test.
LIVE: list["Instance"] = []

# What the app logs when its window hit an uncaught error (src-tauri/src/commands/report.rs).
WINDOW_ERROR = "the window hit an error"


class Instance:
    """One app instance: its own data directory, tauri-driver and WebDriver session."""

    def __init__(self, name: str, display: str, extra_env: dict[str, str | None] | None = None,
                 ignore_file_size_signal: bool = False):
        self.name = name
        self.data = Path(tempfile.mkdtemp(prefix=f"lanban-e2e-{name}-"))
        self.port = free_port()
        native = free_port()
        # Separate app data and separate web view storage (XDG_DATA_HOME), as on two computers.
        env = dict(os.environ, DISPLAY=display, LANBAN_DATA_DIR=str(self.data / "app"), LANBAN_HOST_PORT="0",
                   XDG_DATA_HOME=str(self.data / "xdg"), RUST_LOG=os.environ.get("RUST_LOG", "info"),
                   # The app's own log, for tests that check what it did (e.g. which notifications it showed).
                   LANBAN_LOG_FILE=str(self.data / "app.log"),
                   # This namespace is the machine's own: no mDNS daemon may start here (see e2e/lan.py for tests
                   # that use discovery inside namespaces of their own).
                   LANBAN_DISCOVERY="0",
                   # WebKit's compositing on (as it always was for these tests): without a GPU the app turns it off
                   # (src-tauri/src/painting.rs), and then WebKitWebDriver's screenshot once hung for good in the
                   # middle of a test. `e2e/test_large_board.py` runs the app's own choice (None removes a variable).
                   WEBKIT_DISABLE_COMPOSITING_MODE="0")
        for key, value in (extra_env or {}).items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        self.env = env
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.log = open(SHOTS / f"{name}-driver.log", "w")
        self.driver_process = subprocess.Popen(
            ["tauri-driver", "--port", str(self.port), "--native-port", str(native)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
            # Its own process group, so stopping it also stops the WebKitWebDriver and app it started.
            start_new_session=True,
            # SIGXFSZ ignored (inherited by the app): a write past a file-size limit a test sets then fails the
            # way one on a full disk does, instead of the signal killing the app.
            preexec_fn=(lambda: signal.signal(signal.SIGXFSZ, signal.SIG_IGN)) if ignore_file_size_signal else None,
        )
        try:
            # tauri-driver listens at once, but forwards to WebKitWebDriver, which may still be starting.
            wait_for_port(self.port)
            wait_for_port(native)
            self.driver = self.new_session()
        except BaseException:
            self.stop_driver()
            raise
        self.display = display
        LIVE.append(self)

    def app_log(self) -> str:
        try:
            return (self.data / "app.log").read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def window_errors(self, since: int = 0) -> list[str]:
        """The errors the window reported (each one showed a "Something went wrong" toast) after `since` characters
        of the app's log."""
        return [line for line in self.app_log()[since:].splitlines() if WINDOW_ERROR in line]

    def new_session(self):
        options = ArgOptions()
        options.set_capability("browserName", "wry")
        options.set_capability("tauri:options", {"application": str(APP), "args": []})
        for attempt in range(5):
            url = f"http://127.0.0.1:{self.port}"
            config = client_config(url)
            try:
                return webdriver.Remote(command_executor=url, options=options, client_config=config)
            except Exception:  # the driver chain was not ready: try again shortly
                if attempt == 4:
                    raise
                time.sleep(1 + attempt)

    def app_pids(self) -> list[int]:
        """This instance's app processes (one while its session runs), found by the data directory in their
        environment."""
        marker = f"LANBAN_DATA_DIR={self.data / 'app'}".encode()
        pids = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                if proc.joinpath("comm").read_text().strip() != "lanban":
                    continue
                if marker in proc.joinpath("environ").read_bytes().split(b"\0"):
                    pids.append(int(proc.name))
            except OSError:
                continue
        return pids

    def kill_app(self):
        """Kills this instance's app process with SIGKILL (no chance to save anything), then forgets its session."""
        killed = 0
        for pid in self.app_pids():
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                continue
        assert killed == 1, f"expected to kill one app of {self.name}, killed {killed}"
        try:
            self.driver.quit()
        except Exception:  # the session's app is gone; its driver may say so
            pass

    def app_started_at(self) -> float:
        """When this instance's app process started, in seconds since the epoch (to 1/CLK_TCK, 10 ms here)."""
        ticks = 0
        for pid in self.app_pids():  # the newest, should the last session's app still be on its way out
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks = max(ticks, int(fields[19]))  # starttime: the 22nd field, the 20th after the name
        assert ticks, f"{self.name} has no app running"
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        return boot + ticks / os.sysconf("SC_CLK_TCK")

    def app_memory(self) -> dict[str, int]:
        """Memory of the whole app as the system counts it: the app process and every process under it (the web
        view's WebKitWebProcess and WebKitNetworkProcess), in bytes. `pss` shares each shared page among the
        processes using it, so it adds up; `rss` counts shared pages in every process."""
        (pid,) = self.app_pids()
        children: dict[int, list[int]] = {}
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit():
                try:
                    parent = int(proc.joinpath("stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                children.setdefault(parent, []).append(int(proc.name))
        tree, todo = [], [pid]
        while todo:
            current = todo.pop()
            tree.append(current)
            todo.extend(children.get(current, []))
        total = {"pss": 0, "rss": 0, "processes": 0, "each": {}}
        for member in tree:
            try:
                rollup = Path(f"/proc/{member}/smaps_rollup").read_text()
                name = Path(f"/proc/{member}/comm").read_text().strip()
            except OSError:
                continue
            fields = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in rollup.splitlines()[1:]}
            total["pss"] += fields.get("Pss", 0)
            total["rss"] += fields.get("Rss", 0)
            total["processes"] += 1
            total["each"][name] = total["each"].get(name, 0) + fields.get("Pss", 0)
        return total

    def stop_driver(self):
        try:
            os.killpg(self.driver_process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.driver_process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.driver_process.pid, signal.SIGKILL)
            self.driver_process.wait(10)
        self.log.close()

    def close(self):
        if self in LIVE:
            LIVE.remove(self)
        errors = self.window_errors()
        try:
            self.driver.quit()
        except Exception as err:  # noqa: BLE001 - the app and its drivers are stopped below either way
            # WebKitWebDriver sometimes leaves a request unanswered (see `screenshot`); ending the session is
            # bookkeeping, and the process group goes below, app included.
            print(f"{self.name}: WebDriver did not end its session ({type(err).__name__}); its processes are stopped",
                  file=sys.stderr)
        finally:
            self.stop_driver()
            shutil.rmtree(self.data, ignore_errors=True)
        assert not errors, f"{self.name}'s window hit errors: {errors}"


def two_instances(display, a_env: dict[str, str] | None = None, a_ignores_file_size_signal: bool = False):
    """A and B, closed when the generator is (a fixture's body)."""
    if not APP.exists():
        pytest.fail(f"build the app first: {APP} is missing")
    a = Instance("A", display, a_env, ignore_file_size_signal=a_ignores_file_size_signal)
    try:
        b = Instance("B", display)
    except BaseException:
        a.close()
        raise
    try:
        yield a, b
    finally:
        a.close()
        b.close()


@pytest.fixture(autouse=True)
def no_window_errors():
    """No test passes while a window showed "Something went wrong": every instance's log is checked after it."""
    marks = {id(i): len(i.app_log()) for i in LIVE}
    yield
    for i in list(LIVE):
        errors = i.window_errors(marks.get(id(i), 0))
        assert not errors, f"{i.name}'s window hit errors: {errors}"


@pytest.fixture(scope="session")
def instances(display):
    yield from two_instances(display)


@pytest.fixture
def solo(display):
    """One more app instance of its own, for tests that need a fresh start."""
    if not APP.exists():
        pytest.fail(f"build the app first: {APP} is missing")
    SHOTS.mkdir(parents=True, exist_ok=True)
    c = Instance("C", display)
    try:
        yield c
    finally:
        c.close()
