"""Quitting while teammates are connected asks first.

A hosts and B joins. A's window is asked to close, as a window manager asks when the person clicks its close
button (`WM_DELETE_WINDOW`): A's app asks "Quit Lanban?", naming the teammate who would lose the board. Cancel
keeps it open, and B stays connected. Asked again, Quit ends A's app, and B's pill says the host is offline.
Screenshots under target/e2e/.
"""

import os
import time

import pytest
from selenium.common.exceptions import WebDriverException
from Xlib import X, display as xdisplay, protocol

from conftest import SHOTS, two_instances
from scenario import click, find, gone, hosted_and_joined, pill, press, screenshot, wait


@pytest.fixture
def pair(display):
    yield from two_instances(display)


def ask_to_close(display: str, pid: int) -> int:
    """Sends `WM_DELETE_WINDOW` to each top-level window of process `pid` (by `_NET_WM_PID`): how many."""
    x = xdisplay.Display(display)
    try:
        pid_atom = x.intern_atom("_NET_WM_PID")
        protocols = x.intern_atom("WM_PROTOCOLS")
        delete = x.intern_atom("WM_DELETE_WINDOW")
        sent = 0
        for window in x.screen().root.query_tree().children:
            owner = window.get_full_property(pid_atom, X.AnyPropertyType)
            if owner is None or owner.value[0] != pid:
                continue
            event = protocol.event.ClientMessage(window=window, client_type=protocols,
                                                 data=(32, [delete, X.CurrentTime, 0, 0, 0]))
            window.send_event(event)
            sent += 1
        x.flush()
        return sent
    finally:
        x.close()



def test_quitting_while_teammates_are_connected_asks_first(pair):
    a, b = pair
    A, B = a.driver, b.driver
    hosted_and_joined(a, b, "Studio")
    [pid] = a.app_pids()

    # A's window is asked to close: the app asks first, and says who would lose the board.
    assert ask_to_close(a.display, pid) >= 1
    dialog = find(A, "confirm-dialog")
    assert "Quit Lanban?" in dialog.text, dialog.text
    assert "1 teammate is connected to this board" in dialog.text, dialog.text
    assert "they lose access until you open Lanban again" in dialog.text, dialog.text
    time.sleep(0.3)  # the dialog has faded in
    screenshot(A, str(SHOTS / "quit-asks-A.png"))

    # Cancel: A's app stays, B stays connected.
    click(A, "confirm-cancel")
    gone(A, "confirm-dialog")
    time.sleep(1)
    assert a.app_pids() == [pid]
    assert pill(B) == "connected"

    # Asked again, A quits: its app ends and B's pill says the host is offline.
    assert ask_to_close(a.display, pid) >= 1
    quit_button = find(A, "confirm-ok")
    assert quit_button.text == "Quit", quit_button.text
    try:
        press(A, quit_button)
    except WebDriverException:
        pass  # the app ends while WebDriver is still answering the click
    deadline = time.monotonic() + 15
    while a.app_pids() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not a.app_pids(), "A's app did not end"
    wait(B, lambda d: pill(d) == "offline", "B's pill never said the host is offline")
    screenshot(B, str(SHOTS / "quit-b-sees-host-offline.png"))
    assert not os.path.exists(f"/proc/{pid}")
