"""Filtering a board by label and by "mine": a person hosts a board with three cards, labels one `bug` and assigns
another to themself with M on the card. The Filters menu offers the board's labels and its people; choosing `bug` leaves the one
card, and the column's count says 1/3; adding "Mine" (people) to it leaves none; the text filter combines with the
facets; Clear shows every card again in one click. Screenshot of the menu under target/e2e/.
"""

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import SHOTS
from scenario import add_card, card_in_column, click, find, gone, host_board, screenshot, type_into, undo_from_toast, wait


def visible_cards(driver) -> list[str]:
    return [e.get_attribute("data-card-title") for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="card"]')]


def test_filter_by_label_and_by_mine(solo):
    C = solo.driver
    host_board(C, "Sprint", "Cleo")
    for title in ["Fix the login", "Draw new icons", "Write the docs"]:
        add_card(C, title)

    # One card gets the label `bug`, another is assigned to Cleo.
    click(C, "card", '[data-card-title="Fix the login"]')
    find(C, "card-dialog")
    # The dialog takes the focus as it opens: type once it has settled.
    wait(C, lambda d: d.switch_to.active_element.get_attribute("data-testid") == "card-dialog", "dialog never focused")
    label = C.find_element(By.CSS_SELECTOR, '[aria-label="New label name"]')
    type_into(label, "bug")
    C.find_element(By.XPATH, '//button[normalize-space()="Add label"]').click()
    wait(C, lambda d: "bug" in d.find_element(By.CSS_SELECTOR, '[data-card-title="Fix the login"]').get_attribute(
        "textContent"), "the card never showed its label")
    click(C, "card-dialog-close")
    gone(C, "card-dialog")
    # M on a focused card assigns it to me.
    icons = find(C, "card", '[data-card-title="Draw new icons"]')
    C.execute_script("arguments[0].focus()", icons)
    icons.send_keys("m")
    wait(C, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-card-title="Draw new icons"] .assignee'),
         "M never assigned the card")

    # Filter by the label: one card, and the column says 1/3.
    click(C, "filters-open")
    find(C, "filters-menu")
    click(C, "filter-label", '[data-label="bug"]')
    wait(C, lambda d: visible_cards(d) == ["Fix the login"], "the label filter did not leave one card")
    assert find(C, "filters-count").text.strip() == "1"
    count = C.find_element(By.CSS_SELECTOR, '[data-testid="column"] .count')
    assert count.text.strip() == "1/3", count.text
    screenshot(C, str(SHOTS / "filters-menu.png"))

    # And mine: no card is both; mine alone: Cleo's card.
    click(C, "filter-person", '[data-person="me"]')
    wait(C, lambda d: visible_cards(d) == [], "bug and mine should match nothing")
    click(C, "filter-label", '[data-label="bug"]')
    wait(C, lambda d: visible_cards(d) == ["Draw new icons"], "mine did not leave Cleo's card")

    # The text filter combines with the facets; Clear shows everything again.
    C.switch_to.active_element.send_keys(Keys.ESCAPE)
    gone(C, "filters-menu")
    type_into(find(C, "filter"), "docs")
    wait(C, lambda d: visible_cards(d) == [], "text and mine should match nothing")
    click(C, "filters-clear")
    wait(C, lambda d: sorted(visible_cards(d)) == ["Draw new icons", "Fix the login", "Write the docs"],
         "Clear did not show every card")
    assert find(C, "filter").get_attribute("value") == ""


def test_a_task_list_in_a_description_is_ticked_and_a_link_asks_first(solo):
    C = solo.driver
    host_board(C, "Notes", "Cleo")
    add_card(C, "Write the docs")
    click(C, "card", '[data-card-title="Write the docs"]')
    find(C, "card-dialog")
    wait(C, lambda d: d.switch_to.active_element.get_attribute("data-testid") == "card-dialog", "dialog never focused")
    description = find(C, "card-dialog-description")
    description.click()
    description.send_keys("Steps ([guide](https://example.com/guide)):", Keys.ENTER, "- [ ] outline", Keys.ENTER,
                          "- [ ] draft")
    wait(C, lambda d: d.find_element(*("css selector", '[data-testid="save-state"]')).text.strip().lower().startswith("saved"),
         "the description was never saved")
    C.find_element(By.XPATH, '//button[@role="tab" and normalize-space()="Preview"]').click()
    boxes = C.find_elements(By.CSS_SELECTOR, ".rendered input.task")
    assert len(boxes) == 2, len(boxes)
    boxes[1].click()
    wait(C, lambda d: d.find_elements(By.CSS_SELECTOR, '.rendered input.task[data-task="1"]')[0].is_selected(),
         "the second task never showed ticked")
    # Ticked from the keyboard: the preview is drawn anew with the new description, and the box keeps the focus.
    first = C.find_element(By.CSS_SELECTOR, '.rendered input.task[data-task="0"]')
    C.execute_script("arguments[0].focus()", first)
    first.send_keys(Keys.SPACE)
    wait(C, lambda d: d.find_elements(By.CSS_SELECTOR, '.rendered input.task[data-task="0"]')[0].is_selected(),
         "the first task never showed ticked from the keyboard")
    wait(C, lambda d: d.switch_to.active_element.get_attribute("data-task") == "0",
         "the ticked box lost the focus as the preview was drawn anew")
    screenshot(C, str(SHOTS / "description-task-list.png"))

    # A link shows its address first, and opens only if the person says so.
    C.find_element(By.CSS_SELECTOR, '.rendered a[href="https://example.com/guide"]').click()
    dialog = find(C, "confirm-dialog")
    assert "https://example.com/guide" in dialog.text, dialog.text
    click(C, "confirm-cancel")
    gone(C, "confirm-dialog")
    C.find_element(By.XPATH, '//button[@role="tab" and normalize-space()="Edit"]').click()
    text = find(C, "card-dialog-description").get_attribute("value")
    assert "- [x] outline" in text and "- [x] draft" in text, text


def test_a_move_is_undone_from_its_toast_or_with_ctrl_z(solo):
    C = solo.driver
    host_board(C, "Moves", "Cleo")
    click(C, "add-column")
    find(C, "new-column-title").send_keys("Done", Keys.ENTER)
    find(C, "column", '[data-column-title="Done"]')
    find(C, "new-column-title").send_keys(Keys.ESCAPE)
    add_card(C, "Ship it")

    def move_right():
        card = find(C, "card", '[data-card-title="Ship it"]')
        C.execute_script("arguments[0].focus()", card)
        card.send_keys(" ")
        ActionChains(C).send_keys(Keys.ARROW_RIGHT).send_keys(" ").perform()
        wait(C, lambda d: card_in_column(d, "Done", "Ship it"), "the card never moved to Done")

    # Moved with the keyboard; the toast offers Undo, which puts it back.
    move_right()
    toast = find(C, "toast")
    assert "Moved «Ship it» to Done" in toast.text, toast.text
    screenshot(C, str(SHOTS / "undo-toast.png"))
    undo_from_toast(C, "Moved «Ship it» to Done")
    wait(C, lambda d: card_in_column(d, "Todo", "Ship it"), "Undo did not bring the card back")

    # Moved again; Ctrl+Z puts it back too.
    move_right()
    ActionChains(C).key_down(Keys.CONTROL).send_keys("z").key_up(Keys.CONTROL).perform()
    wait(C, lambda d: card_in_column(d, "Todo", "Ship it"), "Ctrl+Z did not bring the card back")
