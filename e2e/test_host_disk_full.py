"""The host's disk fills up while B works: B's change is kept and B is told, and it lands once there is room.

A hosts and B joins. A's app is then held to files of at most 512 bytes (a file-size limit on its process, with
SIGXFSZ ignored: its writes fail as on a full disk), so A's server refuses B's new card with `507 write_failed`
while B stays connected. (The limit holds A's whole process, WebKit's shared memory included, so A's window is
left alone until it is lifted.) B's card shows at once, marked as not yet synced; after a few seconds B's pill
counts the change as waiting and its details say the host has not taken it, and why, as A's server answered: its
computer could not save it, its disk full. The limit is lifted (space freed on A's disk): B's change lands by
itself, the mark and the count go, and A sees the card. Screenshots under target/e2e/.
"""

import resource
import time

import pytest

from conftest import SHOTS, two_instances
from scenario import add_card, card_in_column, click, find, hosted_and_joined, screenshot, shots, tid, wait


@pytest.fixture
def pair(display):
    yield from two_instances(display, a_ignores_file_size_signal=True)


def limit_files(pid: int, size: int) -> None:
    """No file the process writes may grow past `size` bytes (its soft limit; the hard one stays)."""
    _, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (size, hard))


def test_a_change_the_hosts_full_disk_refuses_waits_and_lands_later(pair):
    a, b = pair
    A, B = a.driver, b.driver
    hosted_and_joined(a, b, "Studio")
    add_card(B, "Tune the piano")
    wait(A, lambda d: card_in_column(d, "Todo", "Tune the piano"), "A never saw B's first card")

    # A's disk is full: no file A's app writes may reach past its first 512 bytes (its database's write-ahead
    # log included).
    [pid] = a.app_pids()
    limit_files(pid, 512)
    try:
        add_card(B, "Book the hall")
        find(B, "card", '[data-card-title="Book the hall"] [data-testid="unsynced"]')
        wait(B, lambda d: "1 change waiting" in d.find_element(*tid("connection")).text,
             "B's pill never said the change was waiting")
        assert B.find_element(*tid("connection")).get_attribute("data-status") == "connected"
        click(B, "connection")
        # The details say why, as A's server answered: its computer could not save the change.
        wait(B, lambda d: "its disk is full" in d.find_element(*tid("waiting-note")).text,
             "B's details never said why the host did not take the change")
        note = find(B, "waiting-note").text
        assert note.startswith("The host has not taken this change yet. Its computer could not save it"), note
        # (A's window is not asked anything meanwhile: the limit holds WebKit's shared memory in A's app too, and
        # WebKitWebDriver's commands to it go unanswered until it is lifted.)
        time.sleep(0.3)  # the details have faded in
        screenshot(B, str(SHOTS / "disk-full-b-waits-B.png"))
    finally:
        # Space is freed on A's disk.
        limit_files(pid, resource.RLIM_INFINITY)

    wait(A, lambda d: card_in_column(d, "Todo", "Book the hall"), "B's change never landed on A")
    assert [c.text.split("\n")[0] for c in A.find_elements(*tid("card"))].count("Book the hall") == 1
    wait(B, lambda d: not d.find_elements(*tid("unsynced")), "B's not-yet-synced mark never went away")
    wait(B, lambda d: "waiting" not in d.find_element(*tid("connection")).text, "B's pill still counts a change")
    shots(a, b, "disk-full-landed")
