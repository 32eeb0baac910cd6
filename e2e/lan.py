"""App instances on a LAN of their own: each runs inside a network namespace this module creates.

Topology (made fresh per use, names carry this process's id, all deleted in teardown):

    namespace lanban-e2e-<pid>-br : bridge br0 (multicast snooping off), ports port-a, port-b
    namespace lanban-e2e-<pid>-a  : eth0 10.203.0.1/24  (veth peer of port-a), lo up
    namespace lanban-e2e-<pid>-b  : eth0 10.203.0.2/24  (veth peer of port-b), lo up

Nothing is created in the machine's own (root) namespace: the veth pairs are made directly inside the namespaces,
and the /24 exists only there. Each app, its tauri-driver and WebKitWebDriver run inside their host namespace
(`ip netns exec`), with `LANBAN_REQUIRE_NETNS=<namespace>` and `LANBAN_DISCOVERY=1`, so the app's mDNS only ever
runs there. The app is never started with discovery in the root namespace.

pytest stays in the root namespace. tauri-driver listens on the namespace's own loopback, so two socat processes
per instance carry WebDriver out: one inside the namespace listens on a Unix socket in the instance's temporary
directory (filesystem Unix sockets are shared between network namespaces) and connects to tauri-driver; one outside
listens on 127.0.0.1:<free port> and connects to that Unix socket. X11 works the same way: the apps reach the
root-namespace Xvfb through /tmp/.X11-unix/X<n> (its abstract socket is per namespace and so not seen).

Needs root, `ip` (iproute2) and `socat` (scripts/setup.sh installs both).

Use from a test module in e2e/ (conftest's `display` fixture must be in scope; e2e/ is on sys.path as for
`from conftest import SHOTS`):

    from lan import lan_instances  # noqa: F401  (a fixture: importing it makes it visible to this module)

    def test_something(lan_instances):
        a, b = lan_instances
        a.driver.find_element(...)                                  # as with conftest's Instance
        a.namespace, a.lan_address                                  # "lanban-e2e-1234-a", "10.203.0.1"
        a.lan.run("a", "ping", "-c1", "-W1", b.lan_address)          # a command inside A's namespace

It takes the app's path, the screenshot directory and `free_port` from conftest.
"""

import ctypes
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import APP, COMMAND_TIMEOUT, SHOTS, client_config, free_port
from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions

PREFIX = "lanban-e2e"
SUBNET = "10.203.0"
# Inside a namespace the loopback is its own, so every instance can use the same driver ports there.
DRIVER_PORT = 4444
NATIVE_PORT = 4445
# Seconds a new WebDriver session (which starts the app) may take.
SESSION_TIMEOUT = 60


def app_path() -> Path:
    """The app under test (conftest's APP: LANBAN_APP or target/debug/lanban)."""
    return APP


def ip(*args: str) -> None:
    result = subprocess.run(["ip", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {result.stderr.strip()}")


def netns_list() -> list[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def netns_pids(namespace: str) -> list[int]:
    out = subprocess.run(["ip", "netns", "pids", namespace], capture_output=True, text=True).stdout
    return [int(p) for p in out.split() if p.isdigit()]


def delete_namespace(namespace: str) -> None:
    """Stops whatever still runs inside, then deletes the namespace (and with it its veth ends)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = netns_pids(namespace)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        while netns_pids(namespace) and time.monotonic() < deadline:
            time.sleep(0.1)
    subprocess.run(["ip", "netns", "del", namespace], capture_output=True)


def delete_stale_namespaces() -> None:
    """Namespaces left by an earlier run that was killed before its teardown (its pid no longer runs)."""
    for namespace in netns_list():
        match = re.fullmatch(rf"{PREFIX}-(\d+)-\w+", namespace)
        if not match or int(match.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(match.group(1)), 0)
        except ProcessLookupError:
            delete_namespace(namespace)
        except PermissionError:
            pass


class Lan:
    """A bridge namespace and one namespace per host, each host wired to the bridge by a veth pair."""

    def __init__(self, hosts=("a", "b")):
        tag = f"{PREFIX}-{os.getpid()}"
        self.bridge = f"{tag}-br"
        self.namespaces = {host: f"{tag}-{host}" for host in hosts}
        self.addresses = {host: f"{SUBNET}.{i + 1}" for i, host in enumerate(hosts)}
        self.interface = "eth0"  # each host's end of its veth (names are per namespace)

    def create(self) -> "Lan":
        delete_stale_namespaces()
        try:
            br = self.bridge
            ip("netns", "add", br)
            ip("-n", br, "link", "set", "lo", "up")
            # Snooping off: every port sees every multicast frame, as on a plain switch with no querier.
            ip("-n", br, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
            ip("-n", br, "link", "set", "br0", "up")
            for host, ns in self.namespaces.items():
                port = f"port-{host}"
                ip("netns", "add", ns)
                ip("-n", ns, "link", "add", self.interface, "type", "veth", "peer", "name", port, "netns", br)
                ip("-n", br, "link", "set", port, "master", "br0")
                ip("-n", br, "link", "set", port, "up")
                ip("-n", ns, "addr", "add", f"{self.addresses[host]}/24", "dev", self.interface)
                ip("-n", ns, "link", "set", "lo", "up")
                ip("-n", ns, "link", "set", self.interface, "up")
        except BaseException:
            self.delete()
            raise
        return self

    def delete(self) -> None:
        existing = set(netns_list())
        for ns in [*self.namespaces.values(), self.bridge]:
            if ns in existing:
                delete_namespace(ns)

    def command(self, host: str, *argv: str) -> list[str]:
        """argv to run inside `host`'s namespace."""
        return ["ip", "netns", "exec", self.namespaces[host], *argv]

    def run(self, host: str, *argv: str, **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("text", True)
        return subprocess.run(self.command(host, *argv), **kwargs)

    def __enter__(self) -> "Lan":
        return self.create()

    def __exit__(self, *exc) -> None:
        self.delete()


def stop_group(process: subprocess.Popen) -> None:
    """Stops a process started with start_new_session=True, and everything in its process group."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(10)


def die_with_parent() -> None:
    """In a child before exec: SIGTERM when pytest dies, even by SIGKILL (what is left inside the namespaces is
    stopped by the next run's delete_stale_namespaces; the socat outside has nothing else to stop it)."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class NamespacedInstance:
    """One app instance inside a host namespace of `lan`: like conftest's Instance (name, data, driver, display,
    new_session(), close()), plus .namespace, .lan_address and .lan."""

    def __init__(self, name: str, display: str, lan: Lan, host: str):
        self.name = name
        self.display = display
        self.lan = lan
        self.host = host
        self.namespace = lan.namespaces[host]
        self.lan_address = lan.addresses[host]
        self.data = Path(tempfile.mkdtemp(prefix=f"lanban-e2e-{name}-"))
        self.port = free_port()  # in the root namespace: where pytest talks WebDriver
        self.socket = self.data / "webdriver.sock"
        self.processes: list[subprocess.Popen] = []
        self.driver = None
        env = dict(os.environ, DISPLAY=display, LANBAN_DATA_DIR=str(self.data / "app"), LANBAN_HOST_PORT="0",
                   XDG_DATA_HOME=str(self.data / "xdg"), RUST_LOG=os.environ.get("RUST_LOG", "info"),
                   LANBAN_REQUIRE_NETNS=self.namespace, LANBAN_DISCOVERY="1",
                   # Compositing on, as for every e2e test but the large board's (see conftest.py).
                   WEBKIT_DISABLE_COMPOSITING_MODE="0")
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.log = open(SHOTS / f"lan-{name}-driver.log", "w")
        try:
            tauri_driver = shutil.which("tauri-driver") or str(Path.home() / ".cargo" / "bin" / "tauri-driver")
            # Its own process group, so stopping it also stops the WebKitWebDriver and app it started.
            self.driver_process = self._start(
                lan.command(host, tauri_driver, "--port", str(DRIVER_PORT), "--native-port", str(NATIVE_PORT)),
                env, self.log)
            self._start(lan.command(host, "socat", f"UNIX-LISTEN:{self.socket},fork,unlink-early",
                                    f"TCP:127.0.0.1:{DRIVER_PORT}"), None, self.log)
            self.wait_for_socket()
            self._start(["socat", f"TCP-LISTEN:{self.port},bind=127.0.0.1,fork,reuseaddr",
                         f"UNIX-CONNECT:{self.socket}"], None, self.log)
            self.wait_ready()
            self.driver = self.new_session()
        except BaseException:
            self.stop_driver()
            shutil.rmtree(self.data, ignore_errors=True)
            raise

    def _start(self, argv, env, log) -> subprocess.Popen:
        process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                   preexec_fn=die_with_parent)
        self.processes.append(process)
        return process

    def wait_for_socket(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.socket.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"socat in {self.namespace} never made {self.socket}")
            time.sleep(0.02)

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Until WebKitWebDriver answers /status through socat and tauri-driver (an open port alone proves nothing
        here: the outer socat accepts before anything behind it is up)."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{process.args[:4]} exited ({process.returncode}); see {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/status", timeout=2) as response:
                    if response.status == 200:
                        return
            except Exception as e:  # not up yet
                last = e
            time.sleep(0.2)
        raise TimeoutError(f"WebDriver in {self.namespace} never answered: {last}")

    def new_session(self, args: tuple[str, ...] = ()):
        """A WebDriver session that starts the app (inside the namespace: WebKitWebDriver runs there) with `args`.
        Unlike conftest's Instance, the start itself is bounded: if the app dies at once, WebKitWebDriver never
        answers."""
        options = ArgOptions()
        options.set_capability("browserName", "wry")
        options.set_capability("tauri:options", {"application": str(app_path()), "args": list(args)})
        url = f"http://127.0.0.1:{self.port}"
        for attempt in range(5):
            config = client_config(url, SESSION_TIMEOUT)
            try:
                driver = webdriver.Remote(command_executor=url, options=options, client_config=config)
            except Exception as e:
                if "timed out" in str(e).lower():
                    raise TimeoutError(
                        f"no session in {SESSION_TIMEOUT} s: did the app start? see {self.log.name}") from e
                if attempt == 4:
                    raise
                time.sleep(1 + attempt)  # the driver chain was not ready: try again shortly
                continue
            config.timeout = COMMAND_TIMEOUT  # later commands: as long as conftest's Instance gives them
            return driver

    def stop_driver(self):
        for process in reversed(self.processes):
            stop_group(process)
        self.processes.clear()
        if not self.log.closed:
            self.log.close()

    def close(self):
        try:
            if self.driver is not None:
                self.driver.quit()
        finally:
            self.stop_driver()
            shutil.rmtree(self.data, ignore_errors=True)


@pytest.fixture(scope="module")
def lan_instances(display):
    """Two app instances, A (10.203.0.1) and B (10.203.0.2), on a bridged LAN of namespaces; torn down with the
    namespaces after the module's tests."""
    if os.geteuid() != 0:
        pytest.fail("lan_instances creates network namespaces and must run as root (CI does)")
    for tool in ("ip", "socat"):
        if not shutil.which(tool):
            pytest.fail(f"lan_instances needs `{tool}` (scripts/setup.sh installs it)")
    if not app_path().exists():
        pytest.fail(f"build the app first: {app_path()} is missing")
    # `timeout`, CI cancelling a job: SIGTERM would end pytest with no teardown and leave the namespaces behind.
    # As an interrupt, pytest still runs the teardown below.
    previous = signal.getsignal(signal.SIGTERM)
    if previous == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, interrupt)
    lan = Lan(("a", "b"))
    started = []
    try:
        lan.create()
        for name, host in (("A", "a"), ("B", "b")):
            started.append(NamespacedInstance(name, display, lan, host))
        yield tuple(started)
    finally:
        for instance in started:
            try:
                instance.close()
            except Exception:
                pass
        lan.delete()
        if previous == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


def interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")
