"""Changes made offline that collide with the host's: kept for the person to decide, and applied when they say so.

A hosts and B joins; B adds three cards. A quits (its computer goes away), and B renames the three offline: kept on
B's computer. B's app is killed (kill -9) with the changes waiting. A comes back and renames the same three cards.
B starts again and reconnects: its renames were made on the old titles, so they are not applied over A's without
asking. B's board says three changes could not be applied; Review shows B's titles next to the board's. From the
keyboard, Apply mine again on the second puts B's title on the board and hands the focus to the change now in its
place (the third), not back to the first; B applies the other two the same way, and A sees all three. Screenshots
under target/e2e/.
"""

import pytest
from selenium.webdriver.common.keys import Keys

from conftest import free_port, two_instances
from scenario import (add_card, card_in_column, click, find, gone, hosted_and_joined, open_recent, pill, shots, tid,
                      type_into, wait)

RENAMES = {
    "Book the venue": ("Book the old mill", "Book the barn"),
    "Hire a bus": ("Hire a coach", "Hire a van"),
    "Order lunch": ("Order pizza", "Order soup"),
}


@pytest.fixture
def pair(display):
    # A's server keeps its port across restarts, as the default port does on a person's computer.
    yield from two_instances(display, {"LANBAN_HOST_PORT": str(free_port())})


def rename(driver, old: str, new: str):
    """Renames a card from its dialog and closes it once saved."""
    click(driver, "card", f'[data-card-title="{old}"]')
    type_into(find(driver, "card-dialog-title"), new)
    wait(driver, lambda d: d.find_element(*tid("save-state")).text.strip().lower().startswith("saved"), "never saved")
    click(driver, "card-dialog-close")
    gone(driver, "card-dialog")


def focused_change(driver) -> str | None:
    """The key of the failed change whose Apply mine again has the focus."""
    return driver.execute_script("""
        const el = document.activeElement;
        return el && el.dataset.testid === "apply-mine" ? el.closest("[data-key]").dataset.key : null;""")


def test_colliding_offline_changes_wait_for_the_person_and_apply_when_asked(pair):
    a, b = pair
    A, B = a.driver, b.driver
    hosted_and_joined(a, b, "Offsite")
    for title in RENAMES:
        add_card(B, title)
        wait(A, lambda d: card_in_column(d, "Todo", title), f"A never saw B's card {title}")

    # A's computer goes away; B renames the cards offline: kept, marked, counted.
    A.quit()
    wait(B, lambda d: pill(d) == "offline", "B's pill never said the host is offline")
    for old, (mine, _) in RENAMES.items():
        rename(B, old, mine)
        find(B, "card", f'[data-card-title="{mine}"] [data-testid="unsynced"]')
    wait(B, lambda d: "3 changes waiting" in d.find_element(*tid("connection")).text, "the pill never counted them")

    # B's app is killed with the changes waiting; A comes back and renames the same cards.
    b.kill_app()
    a.driver = A = a.new_session()
    find(A, "start-screen")
    open_recent(A)
    find(A, "board-view")
    for old, (_, theirs) in RENAMES.items():
        rename(A, old, theirs)

    # B starts again and reconnects: its renames are not applied over A's; B is asked.
    b.driver = B = b.new_session()
    find(B, "start-screen")
    open_recent(B)
    find(B, "board-view")
    wait(B, lambda d: pill(d) == "connected", "B never reconnected to A")
    banner = find(B, "failed-banner")
    wait(B, lambda d: "3 changes could not be applied" in banner.text, "B's banner never counted three")
    for _, theirs in RENAMES.values():
        wait(B, lambda d: card_in_column(d, "Todo", theirs), f"B's board does not show A's title {theirs}")
        assert card_in_column(A, "Todo", theirs), "A's title was written over without asking"

    # Review: B's titles next to the board's.
    click(B, "failed-review")
    find(B, "failed-dialog")
    rows = B.find_elements(*tid("failed-change"))
    assert len(rows) == 3, len(rows)
    for row, (mine, theirs) in zip(rows, RENAMES.values()):
        assert mine in row.text and theirs in row.text, row.text
    shots(a, b, "failed-changes-reviewed")

    # Apply mine again on the second, from the keyboard: it lands, and the focus moves to the change now in its
    # place (the third), then on; the last one applied closes the sheet.
    first, _, third = (row.get_attribute("data-key") for row in rows)
    apply = rows[1].find_element(*tid("apply-mine"))
    B.execute_script("arguments[0].focus()", apply)
    apply.send_keys(Keys.ENTER)
    wait(B, lambda d: len(d.find_elements(*tid("failed-change"))) == 2, "the second change never left the list")
    wait(B, lambda d: focused_change(d) == third, "the focus did not move to the change in its place")
    B.switch_to.active_element.send_keys(Keys.ENTER)
    wait(B, lambda d: len(d.find_elements(*tid("failed-change"))) == 1, "the third change never left the list")
    wait(B, lambda d: focused_change(d) == first, "the focus did not move to the last change")
    B.switch_to.active_element.send_keys(Keys.ENTER)
    gone(B, "failed-dialog")
    gone(B, "failed-banner")
    for driver, who in [(A, "A"), (B, "B")]:
        for mine, _ in RENAMES.values():
            wait(driver, lambda d: card_in_column(d, "Todo", mine), f"{who} never saw B's title applied: {mine}")
    shots(a, b, "failed-changes-applied")
