"""The host's laptop is gone for good: B hosts the board from B's own copy.

A hosts and B joins and works; A quits and does not come back. B's pill says the host is offline; B adds a card
offline, then clicks the pill, *Host it from here…*, and confirms: the board reopens hosted on B's computer, with
everything B had and B's waiting card on it (no longer marked), B as its host and a new room code. A, on a new
computer (a fresh data directory), joins again with that code and sees the whole board; the two keep working.
Screenshots of each step under target/e2e/.
"""

import shutil

import pytest

from conftest import SHOTS, two_instances
from scenario import (add_card, card_in_column, click, find, host_board, join, screenshot, share_details, shots, tid,
                      wait)
from test_host_away import pill


@pytest.fixture
def pair(display):
    yield from two_instances(display)


def test_a_member_hosts_the_board_from_their_copy_when_the_host_is_gone(pair):
    a, b = pair
    A, B = a.driver, b.driver

    # A hosts a board with a column and a card; B joins and adds a card.
    host_board(A, "Offsite", "Ada")
    add_card(A, "Book the venue")
    old_code, address = share_details(A)
    join(B, old_code, "Bea", address)
    add_card(B, "Hire a bus")
    wait(A, lambda d: card_in_column(d, "Todo", "Hire a bus"), "A never saw B's card")
    shots(a, b, "gone-both-working")

    # A's laptop is gone. B keeps working on B's copy: a card added now waits, marked.
    A.quit()
    wait(B, lambda d: pill(d) == "offline", "B's pill never said the host is offline")
    add_card(B, "Order lanyards")
    find(B, "card", '[data-card-title="Order lanyards"] [data-testid="unsynced"]')

    # B opens the pill and hosts the board from here, after a confirmation that says what it means.
    click(B, "connection")
    screenshot(B, str(SHOTS / "gone-b-pill-offers-hosting-B.png"))
    click(B, "host-from-copy")
    dialog = find(B, "confirm-dialog")
    assert "gone for good" in dialog.text, dialog.text
    screenshot(B, str(SHOTS / "gone-b-confirms-B.png"))
    click(B, "confirm-ok")

    # The board reopens hosted here: B is its host (Share), everything is there, B's waiting card landed.
    find(B, "share-open")
    wait(B, lambda d: pill(d) == "connected", "B's board never connected to B's own server")
    for title in ["Book the venue", "Hire a bus", "Order lanyards"]:
        wait(B, lambda d: card_in_column(d, "Todo", title), f"B's hosted board lacks {title}")
    wait(B, lambda d: not d.find_elements(*tid("unsynced")), "B's waiting card never landed")
    new_code, new_address = share_details(B)
    assert new_code != old_code
    screenshot(B, str(SHOTS / "gone-b-hosts-it-B.png"))

    # A, on a new computer, joins again with the new code and sees the whole board; both keep working.
    shutil.rmtree(a.data / "app", ignore_errors=True)
    a.driver = A = a.new_session()
    find(A, "start-screen")
    join(A, new_code, "Ada", new_address)
    for title in ["Book the venue", "Hire a bus", "Order lanyards"]:
        wait(A, lambda d: card_in_column(d, "Todo", title), f"A's joined board lacks {title}")
    add_card(A, "Print badges")
    wait(B, lambda d: card_in_column(d, "Todo", "Print badges"), "B never saw A's new card")
    add_card(B, "Book a caterer")
    wait(A, lambda d: card_in_column(d, "Todo", "Book a caterer"), "A never saw B's new card")
    shots(a, b, "gone-both-working-again")
