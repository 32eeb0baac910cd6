"""Undo after deleting from a checklist: a person deletes an item and the toast's Undo puts it back in its place;
they delete the whole checklist (no question asked) and Undo makes it again with its items and ticks, handed to the
host at once and applied in that order: a teammate watching the card sees it come back as it was. Screenshots under
target/e2e/.
"""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import two_instances
from scenario import add_card, click, find, host_board, join, share_details, shots, undo_from_toast, wait


@pytest.fixture
def pair(display):
    yield from two_instances(display)


def items(driver) -> list[str]:
    return [e.get_attribute("data-item-text")
            for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="checklist-item"]')]


def ticked(driver) -> list[str]:
    return [e.get_attribute("data-item-text")
            for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="checklist-item"]')
            if e.find_element(By.CSS_SELECTOR, '[data-testid="checklist-tick"]').is_selected()]


def test_a_deleted_item_and_checklist_come_back_by_undo(pair):
    a, b = pair
    C, B = a.driver, b.driver
    host_board(C, "Undo", "Cleo")
    add_card(C, "Plan")
    code, address = share_details(C)
    join(B, code, "Bea", address)
    click(B, "card", '[data-card-title="Plan"]')
    find(B, "card-dialog")
    click(C, "card", '[data-card-title="Plan"]')
    find(C, "card-dialog")
    wait(C, lambda d: d.switch_to.active_element.get_attribute("data-testid") == "card-dialog", "dialog never focused")
    click(C, "checklist-add")
    title = find(C, "checklist-title-input")
    title.send_keys(Keys.CONTROL, "a")
    title.send_keys("Steps", Keys.ENTER)
    for text in ["one", "two", "three"]:
        find(C, "checklist-add-item").send_keys(text, Keys.ENTER)
        wait(C, lambda d, t=text: t in items(d), f"the item {text} never showed")

    C.find_element(By.CSS_SELECTOR, '[data-item-text="two"] [data-testid="checklist-item-delete"]').click()
    wait(C, lambda d: items(d) == ["one", "three"], "the item was not deleted")
    undo_from_toast(C, "two")
    wait(C, lambda d: items(d) == ["one", "two", "three"], "the item did not come back in its place")

    C.find_element(By.CSS_SELECTOR, '[data-item-text="two"] [data-testid="checklist-tick"]').click()
    wait(B, lambda d: items(d) == ["one", "two", "three"] and ticked(d) == ["two"], "B never saw the list, two ticked")

    click(C, "checklist-delete")
    wait(C, lambda d: items(d) == [], "the checklist was not deleted")
    wait(B, lambda d: items(d) == [], "B still sees the deleted checklist")
    undo_from_toast(C, "Steps")
    wait(C, lambda d: items(d) == ["one", "two", "three"], "the checklist did not come back with its items")
    # What the host applied, in the order it was handed: the checklist, its items in their order, then the tick.
    wait(B, lambda d: items(d) == ["one", "two", "three"] and ticked(d) == ["two"], "B never saw it come back as it was")
    assert ticked(C) == ["two"]
    shots(a, b, "undo-checklist")
