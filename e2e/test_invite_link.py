"""An invite link opened while Lanban runs (clicked in a chat, say): the desktop starts a second Lanban process with
the link, which hands it to the running one over the session bus and exits; the running app comes forward at the
Join screen, filled in from the link. Runs on a private D-Bus session bus; nothing is sent anywhere (the test
never presses Join)."""

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import APP, SHOTS, Instance
from scenario import find, screenshot, tid

LINK = "lanban://join?code=7KQ2-M9XD&host=192.0.2.10&host=198.51.100.7&port=7420&fp=" + "A" * 43


@pytest.fixture
def session_bus():
    if not shutil.which("dbus-daemon"):
        pytest.fail("dbus-daemon is missing (scripts/setup.sh installs it)")
    directory = Path(tempfile.mkdtemp(prefix="lanban-bus-"))
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1", f"--address=unix:path={directory}/bus"],
        stdout=subprocess.PIPE, text=True,
    )
    address = bus.stdout.readline().strip()
    try:
        yield address
    finally:
        bus.terminate()
        bus.wait(10)
        shutil.rmtree(directory, ignore_errors=True)


def test_a_link_opened_while_the_app_runs_fills_its_join_screen(display, session_bus):
    SHOTS.mkdir(parents=True, exist_ok=True)
    app = Instance("D", display, extra_env={"DBUS_SESSION_BUS_ADDRESS": session_bus})
    try:
        D = app.driver
        find(D, "start-screen")
        assert not D.find_elements(*tid("join-invite"))
        # What the desktop runs when the link is clicked: the app, with the link as its only argument.
        second = subprocess.Popen([str(APP), LINK], env=app.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True)
        try:
            code = second.wait(30)
        except subprocess.TimeoutExpired:
            second.kill()
            second.wait(10)
            pytest.fail("the second process kept running instead of handing the link over")
        assert code == 0, second.stderr.read()
        note = find(D, "join-invite")
        assert "192.0.2.10:7420" in note.text and "+1 more" in note.text, note.text
        assert find(D, "join-code").get_attribute("value") == "7KQ2-M9XD"
        screenshot(D, str(SHOTS / "invite-while-running.png"))
    finally:
        app.close()
