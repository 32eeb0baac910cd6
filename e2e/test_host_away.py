"""The host's laptop goes away: B's board stays on B's computer.

A hosts and B joins and works; A quits. B's pill says the host is offline, and B reopens the board from Recent
boards without the host: from B's own copy, with everything B saw. A starts again (on the same port); B's app
finds it by itself and catches up with what A adds. Screenshots of each step under target/e2e/.
"""

import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import SHOTS, Instance, free_port
from scenario import card_in_column, click, find, shots, tid, type_into, wait


@pytest.fixture
def pair(display):
    # A's server keeps its port across restarts, as the default port does on a person's computer.
    a = Instance("A", display, {"LANBAN_HOST_PORT": str(free_port())})
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


def pill(driver) -> str:
    return driver.find_element(*tid("connection")).get_attribute("data-status")


def test_a_members_board_outlives_its_host(pair):
    a, b = pair
    A, B = a.driver, b.driver

    # A hosts a board with a column; B joins with the code and A's address, and adds a card.
    find(A, "start-screen")
    type_into(find(A, "host-board-name"), "Offsite")
    type_into(find(A, "host-member-name"), "Ada")
    click(A, "host-submit")
    find(A, "board-view")
    click(A, "add-column")
    find(A, "new-column-title").send_keys("Todo", Keys.ENTER)
    find(A, "column", '[data-column-title="Todo"]')
    find(A, "new-column-title").send_keys(Keys.ESCAPE)
    click(A, "share-open")
    code = find(A, "room-code").text.strip()
    address = find(A, "share-local-address").text.strip()
    click(A, "share-close")
    type_into(find(B, "join-code"), code)
    type_into(find(B, "join-name"), "Bea")
    type_into(find(B, "join-address"), address)
    click(B, "join-submit")
    find(B, "board-view")
    click(B, "add-card", inside=("column", '[data-column-title="Todo"]'))
    find(B, "new-card-title").send_keys("Book the venue", Keys.ENTER)
    wait(A, lambda d: card_in_column(d, "Todo", "Book the venue"), "A never saw B's card")
    find(B, "new-card-title").send_keys(Keys.ESCAPE)
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
    B.find_element(By.CSS_SELECTOR, '[data-testid="recent-board"] .recent-open').click()
    find(B, "board-view")
    wait(B, lambda d: card_in_column(d, "Todo", "Book the venue"), "B's copy did not show the card")
    print(f"\nhost away: B's board opened from its copy in {time.monotonic() - started:.2f} s")
    wait(B, lambda d: pill(d) == "offline", "B's reopened board never said the host is offline")
    shots_b(b, "away-b-reopens-from-its-copy")

    # A starts again and opens the board; B's app finds it by itself and catches up with A's new card.
    a.driver = a.new_session()
    A = a.driver
    find(A, "start-screen")
    A.find_element(By.CSS_SELECTOR, '[data-testid="recent-board"] .recent-open').click()
    find(A, "board-view")
    click(A, "add-card", inside=("column", '[data-column-title="Todo"]'))
    find(A, "new-card-title").send_keys("Print badges", Keys.ENTER)
    wait(B, lambda d: pill(d) == "connected", "B never reconnected to A")
    wait(B, lambda d: card_in_column(d, "Todo", "Print badges"), "B never caught up with A's card")
    shots(a, b, "away-host-back")


def shots_b(b, step: str):
    """B's window alone (A's app is not running)."""
    b.driver.save_screenshot(str(SHOTS / f"{step}-B.png"))
