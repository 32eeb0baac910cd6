"""Undo after deleting from a checklist: a person deletes an item and the toast's Undo puts it back in its place;
they delete the whole checklist (no question asked) and Undo makes it again with its items. Screenshot under
target/e2e/.
"""

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import SHOTS
from scenario import add_card, click, find, host_board, screenshot, wait


def items(driver) -> list[str]:
    return [e.get_attribute("data-item-text")
            for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="checklist-item"]')]


def undo(driver, text: str):
    """Clicks Undo on the toast that names `text`."""
    def clicked(d):
        for toast in d.find_elements(By.CSS_SELECTOR, '[data-testid="toast"]'):
            if text in toast.text:
                toast.find_element(By.CSS_SELECTOR, '[data-testid="toast-action"]').click()
                return True
        return False
    wait(driver, clicked, f"no toast about {text!r} with Undo")


def test_a_deleted_item_and_checklist_come_back_by_undo(solo):
    C = solo.driver
    host_board(C, "Undo", "Cleo")
    add_card(C, "Plan")
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
    undo(C, "two")
    wait(C, lambda d: items(d) == ["one", "two", "three"], "the item did not come back in its place")

    click(C, "checklist-delete")
    wait(C, lambda d: items(d) == [], "the checklist was not deleted")
    undo(C, "Steps")
    wait(C, lambda d: items(d) == ["one", "two", "three"], "the checklist did not come back with its items")
    screenshot(C, str(SHOTS / "undo-checklist.png"))
