"""A checklist on a card, between two people: A hosts, B joins. B opens A's card, adds a checklist and types three
items (Enter after each); A's card shows 0/3 at once. A opens the card and ticks one of B's items; B, with the card
open, sees the progress change. A moves an item with Alt+Up; B sees the new order. A's Activity panel tells what
happened; B ticks the rest: the panel shows it as it happens and A's card shows the checklist complete. Screenshots of the card dialog under target/e2e/.
"""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import two_instances
from scenario import add_card, click, find, gone, host_board, join, share_details, shots, wait


@pytest.fixture
def pair(display):
    yield from two_instances(display)


def items(driver) -> list[str]:
    return [e.get_attribute("data-item-text")
            for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="checklist-item"]')]


def progress(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, '[data-testid="checklist-progress"]').text.strip()


def face(driver, title: str):
    found = driver.find_elements(By.CSS_SELECTOR, f'[data-card-title="{title}"] [data-testid="card-checklist"]')
    return found[0].text.strip() if found else None


def activity(driver) -> list[str]:
    """The activity panel's entries, newest first, as "Name did something"."""
    return [" ".join(e.text.split("·")[0].split())
            for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="activity-panel"] [data-testid="activity-entry"] p')]


def tick(driver, text: str):
    box = driver.find_element(By.CSS_SELECTOR, f'[data-item-text="{text}"] [data-testid="checklist-tick"]')
    box.click()


def test_a_checklist_ticked_by_one_is_seen_by_the_other(pair):
    a, b = pair
    A, B = a.driver, b.driver
    host_board(A, "Launch", "Ada")
    add_card(A, "Plan the offsite")
    code, address = share_details(A)
    join(B, code, "Bea", address)

    # B adds a checklist to A's card and types three items, one after the other.
    click(B, "card", '[data-card-title="Plan the offsite"]')
    find(B, "card-dialog")
    click(B, "checklist-add")
    title = find(B, "checklist-title-input")
    title.send_keys(Keys.CONTROL, "a")
    title.send_keys("Before we go", Keys.ENTER)
    box = find(B, "checklist-add-item")
    wait(B, lambda d: d.switch_to.active_element == box, "the new checklist's item box did not take the focus")
    for text in ["Book the venue", "Order lunch", "Send the agenda"]:
        box.send_keys(text, Keys.ENTER)
    wait(B, lambda d: items(d) == ["Book the venue", "Order lunch", "Send the agenda"], "B's items never showed")
    assert progress(B) == "0/3"

    # A's card shows the checklist's progress at once.
    wait(A, lambda d: face(d, "Plan the offsite") == "0/3", "A's card never showed 0/3")

    # A opens the card and ticks one of B's items; B sees 1/3.
    click(A, "card", '[data-card-title="Plan the offsite"]')
    find(A, "card-dialog")
    wait(A, lambda d: items(d) == ["Book the venue", "Order lunch", "Send the agenda"], "A never saw B's items")
    tick(A, "Order lunch")
    wait(B, lambda d: progress(d) == "1/3", "B never saw A's tick")
    assert B.find_element(By.CSS_SELECTOR, '[data-item-text="Order lunch"] [data-testid="checklist-tick"]').is_selected()

    # A moves the last item up, with the keyboard; B sees the new order.
    A.find_element(By.CSS_SELECTOR, '[data-item-text="Send the agenda"] [data-testid="checklist-tick"]').send_keys(
        Keys.ALT, Keys.ARROW_UP)
    wait(B, lambda d: items(d) == ["Book the venue", "Send the agenda", "Order lunch"], "B never saw the move")
    shots(a, b, "checklist-ticked-and-moved")

    # A opens the board's Activity: what happened, newest first; B's next ticks arrive in it live.
    click(A, "card-dialog-close")
    gone(A, "card-dialog")
    click(A, "activity-open")
    find(A, "activity-panel")
    wait(A, lambda d: "Ada ticked «Order lunch» on «Plan the offsite»" in activity(d), "A's tick is not in the activity")
    texts = activity(A)
    assert "Bea added the checklist «Before we go» to «Plan the offsite»" in texts, texts
    assert "Ada added «Plan the offsite» to «Todo»" in texts, texts

    # B ticks the rest; A's card shows the checklist complete, and the activity says so as it happens.
    tick(B, "Book the venue")
    tick(B, "Send the agenda")
    wait(B, lambda d: progress(d) == "3/3", "B's checklist never complete")
    wait(A, lambda d: activity(d)[0] == "Bea ticked «Send the agenda» on «Plan the offsite»", "the activity is not live")
    shots(a, b, "activity-panel")
    click(A, "activity-close")
    gone(A, "activity-panel")
    wait(A, lambda d: face(d, "Plan the offsite") == "3/3", "A's card never showed 3/3")
    chip = A.find_element(By.CSS_SELECTOR, '[data-card-title="Plan the offsite"] [data-testid="card-checklist"]')
    assert "complete" in chip.get_attribute("class"), chip.get_attribute("class")
    shots(a, b, "checklist-complete")

    # B renames an item (click its text, type, Enter): the item's box keeps the focus, not its Delete button.
    B.find_element(By.CSS_SELECTOR, '[data-item-text="Order lunch"] .text').click()
    edit = B.switch_to.active_element
    edit.send_keys(Keys.CONTROL, "a")
    edit.send_keys("Order pizza", Keys.ENTER)
    wait(B, lambda d: "Order pizza" in items(d), "B's item was never renamed")
    wait(B, lambda d: d.switch_to.active_element.get_attribute("data-testid") == "checklist-tick"
         and d.switch_to.active_element.get_attribute("aria-label") == "Done: Order pizza",
         "the renamed item's box did not keep the focus")

    # B starts typing another item while A deletes the checklist: B is told what was not saved.
    find(B, "checklist-add-item").send_keys("Pack the tent")
    click(A, "card", '[data-card-title="Plan the offsite"]')
    click(A, "checklist-delete")
    gone(B, "checklist-add-item")
    told = "Ada deleted the checklist you were writing in: «Pack the tent» was not saved."
    wait(B, lambda d: any(told in t.text for t in d.find_elements(By.CSS_SELECTOR, '[data-testid="toast"]')),
         "B was not told about the item being written")
