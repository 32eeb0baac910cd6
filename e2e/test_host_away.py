"""The host's laptop goes away: B's board stays on B's computer.

A hosts and B joins and works; A quits. B's pill says the host is offline, and B reopens the board from Recent
boards without the host: from B's own copy, with everything B saw. B makes three changes offline; they show at once,
marked as not yet synced, and survive B's app being killed (kill -9). A starts again (on the same port); B's app finds it by itself, B's changes land (the marks
go away) and A sees them, and B catches up with what A adds. Screenshots of each step under target/e2e/.
"""

import time

import pytest
from selenium.webdriver.common.keys import Keys

from conftest import SHOTS, free_port, two_instances
from scenario import (add_card, card_in_column, click, find, hosted_and_joined, open_composer, open_recent, pill, screenshot,
                      shots, tid, type_into, wait)


@pytest.fixture
def pair(display):
    # A's server keeps its port across restarts, as the default port does on a person's computer.
    yield from two_instances(display, {"LANBAN_HOST_PORT": str(free_port())})


def test_a_members_board_outlives_its_host(pair):
    a, b = pair
    A, B = a.driver, b.driver

    # A hosts a board with a column; B joins with the code and A's address, and adds a card.
    hosted_and_joined(a, b, "Offsite")
    add_card(B, "Book the venue")
    wait(A, lambda d: card_in_column(d, "Todo", "Book the venue"), "A never saw B's card")
    shots(a, b, "away-both-working")

    # A quits. B's pill says so, honestly.
    A.quit()
    wait(B, lambda d: pill(d) == "offline", "B's pill never said the host is offline")
    label = find(B, "connection").text
    assert "Host offline" in label and "last synced" in label, label
    shots_b(b, "away-b-sees-host-offline")

    # B goes back to the start screen and reopens the board from Recent boards: from B's copy, at once.
    click(B, "leave-board")
    find(B, "start-screen")
    started = time.monotonic()
    open_recent(B)
    find(B, "board-view")
    wait(B, lambda d: card_in_column(d, "Todo", "Book the venue"), "B's copy did not show the card")
    print(f"\nhost away: B's board opened from its copy in {time.monotonic() - started:.2f} s")
    wait(B, lambda d: pill(d) == "offline", "B's reopened board never said the host is offline")
    shots_b(b, "away-b-reopens-from-its-copy")

    # Still without the host, B makes three changes: adds two cards and renames one. Each shows at once, marked as
    # not yet synced, and the pill counts them.
    for title in ["Order lanyards", "Book a caterer"]:
        click(B, "add-card", inside=("column", '[data-column-title="Todo"]'))
        find(B, "new-card-title").send_keys(title, Keys.ENTER)
        find(B, "card", f'[data-card-title="{title}"] [data-testid="unsynced"]')
    find(B, "new-card-title").send_keys(Keys.ESCAPE)
    click(B, "card", '[data-card-title="Book the venue"]')
    type_into(find(B, "card-dialog-title"), "Book the old mill")
    wait(B, lambda d: d.find_element(*tid("save-state")).text.strip().lower().startswith("saved"), "never saved")
    click(B, "card-dialog-close")
    find(B, "card", '[data-card-title="Book the old mill"] [data-testid="unsynced"]')
    wait(B, lambda d: "3 changes waiting" in d.find_element(*tid("connection")).text, "the pill never counted 3")
    shots_b(b, "away-b-edits-offline")

    # B's app is killed (kill -9) with the changes waiting, and started again: the board opens from the copy with
    # the changes still there, still marked.
    b.kill_app()
    b.driver = B = b.new_session()
    find(B, "start-screen")
    open_recent(B)
    find(B, "board-view")
    for title in ["Order lanyards", "Book a caterer", "Book the old mill"]:
        find(B, "card", f'[data-card-title="{title}"] [data-testid="unsynced"]')
    wait(B, lambda d: "3 changes waiting" in d.find_element(*tid("connection")).text, "the count did not survive")
    shots_b(b, "away-b-after-kill-9")

    # A starts again and opens the board; B's app finds it by itself, its changes land (the marks go), and A sees
    # them; B catches up with A's new card.
    a.driver = a.new_session()
    A = a.driver
    find(A, "start-screen")
    open_recent(A)
    find(A, "board-view")
    open_composer(A, "Todo").send_keys("Print badges", Keys.ENTER)
    wait(B, lambda d: pill(d) == "connected", "B never reconnected to A")
    wait(B, lambda d: card_in_column(d, "Todo", "Print badges"), "B never caught up with A's card")
    for title in ["Order lanyards", "Book a caterer", "Book the old mill"]:
        wait(A, lambda d: card_in_column(d, "Todo", title), f"A never got B's offline change: {title}")
    wait(B, lambda d: not d.find_elements(*tid("unsynced")), "B's not-yet-synced marks never went away")
    assert not A.find_elements(*tid("card", '[data-card-title="Book the venue"]')), "the rename did not land"
    shots(a, b, "away-host-back")


def shots_b(b, step: str):
    """B's window alone (A's app is not running)."""
    screenshot(b.driver, str(SHOTS / f"{step}-B.png"))
