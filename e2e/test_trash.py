"""Archive, trash and Undo, between two people: A hosts, B joins. A deletes a column holding two cards: both leave
A's and B's boards, and A's toast offers Undo, which brings the column and its cards back for both. A archives a card
from its dialog; the Archive panel lists it, and Restore puts it back. A deletes a card with the Delete key; the
Trash lists it; Ctrl+Z brings it back. B's Archive panel shows no Empty trash (only the host can). Then B takes a
card with M and A adds themself in its dialog: both see two people on it. A defines a label on it; B filters by the
label and by "mine"; A renames the label and B's card follows. Screenshots of the archive view and the card dialog
under target/e2e/.
"""

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

from conftest import two_instances
from scenario import (add_card, card_in_column, click, find, gone, host_board, join, share_details, shots, type_into,
                      undo_from_toast, wait)


@pytest.fixture
def pair(display):
    yield from two_instances(display)


def column_shown(driver, title: str) -> bool:
    return bool(driver.find_elements(By.CSS_SELECTOR, f'[data-testid="column"][data-column-title="{title}"]'))


def shelved(driver) -> list[str]:
    """The titles the open Archive panel lists on its tab."""
    return [e.get_attribute("data-title")
            for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="archive-panel"] [data-testid="shelved"]')]


def shown_cards(driver) -> list[str]:
    return [e.get_attribute("data-card-title") for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="card"]')]


def avatars(driver, title: str) -> int:
    """How many people the card's face shows."""
    return len(driver.find_elements(
        By.CSS_SELECTOR, f'[data-card-title="{title}"] [data-testid="card-assignees"] > :not(.more)'))


def focused(driver) -> str | None:
    """The test id of the element with the focus."""
    return driver.execute_script("return document.activeElement && document.activeElement.dataset.testid")


def test_a_deleted_column_comes_back_with_its_cards_by_undo(pair):
    a, b = pair
    A, B = a.driver, b.driver
    host_board(A, "Launch", "Ada", column="Ideas")
    add_card(A, "Stickers", column="Ideas")
    add_card(A, "Podcast", column="Ideas")
    click(A, "add-column")
    find(A, "new-column-title").send_keys("Doing", Keys.ENTER)
    find(A, "column", '[data-column-title="Doing"]')
    find(A, "new-column-title").send_keys(Keys.ESCAPE)
    add_card(A, "Ship it", column="Doing")
    code, address = share_details(A)
    join(B, code, "Bea", address)
    wait(B, lambda d: card_in_column(d, "Ideas", "Podcast"), "B never saw A's cards")

    # B starts writing a card in Ideas. A deletes the column from its menu: it leaves both boards with its two
    # cards, no question asked, and B is told what became of the card being written.
    click(B, "add-card", inside=("column", '[data-column-title="Ideas"]'))
    find(B, "new-card-title").send_keys("Mugs")
    click(A, "column-menu", inside=("column", '[data-column-title="Ideas"]'))
    click(A, "column", '[data-column-title="Ideas"] [data-action="delete"]')
    wait(A, lambda d: not column_shown(d, "Ideas"), "the column stayed on A's board")
    wait(B, lambda d: not column_shown(d, "Ideas"), "the column stayed on B's board")
    told = "Ada took «Ideas» off the board: the card you were writing, «Mugs», was not added."
    wait(B, lambda d: any(told in t.text for t in d.find_elements(By.CSS_SELECTOR, '[data-testid="toast"]')),
         "B was not told about the card being written")
    shots(a, b, "a-deletes-a-column")

    # The toast's Undo brings it all back, for both.
    undo_from_toast(A, "Ideas")
    for driver, who in [(A, "A"), (B, "B")]:
        for title in ["Stickers", "Podcast"]:
            wait(driver, lambda d, t=title: card_in_column(d, "Ideas", t), f"{title} never came back for {who}")
    shots(a, b, "undo-brings-it-back")

    # B starts renaming Ideas; A deletes it again: B is told the new name was not saved. Undo brings it back again.
    click(B, "column-menu", inside=("column", '[data-column-title="Ideas"]'))
    click(B, "column", '[data-column-title="Ideas"] [data-action="rename"]')
    renaming = find(B, "column", '[data-column-title="Ideas"] input')
    renaming.send_keys(Keys.CONTROL, "a")
    renaming.send_keys("Wishlist")
    click(A, "column-menu", inside=("column", '[data-column-title="Ideas"]'))
    click(A, "column", '[data-column-title="Ideas"] [data-action="delete"]')
    wait(B, lambda d: not column_shown(d, "Ideas"), "the column stayed on B's board")
    told = "Ada took «Ideas» off the board: its new name, «Wishlist», was not saved."
    wait(B, lambda d: any(told in t.text for t in d.find_elements(By.CSS_SELECTOR, '[data-testid="toast"]')),
         "B was not told about the name being typed")
    undo_from_toast(A, "Ideas")
    wait(B, lambda d: card_in_column(d, "Ideas", "Podcast"), "Ideas never came back for B")

    # A archives "Ship it" from its dialog: it leaves the board and the Archive panel lists it.
    click(A, "card", '[data-card-title="Ship it"]')
    find(A, "card-dialog")
    click(A, "card-archive")
    gone(A, "card-dialog")
    wait(A, lambda d: not card_in_column(d, "Doing", "Ship it"), "the archived card stayed on the board")
    wait(B, lambda d: not card_in_column(d, "Doing", "Ship it"), "B still sees the archived card")
    click(A, "archive-open")
    find(A, "archive-panel")
    wait(A, lambda d: shelved(d) == ["Ship it"], "the archive does not list the card")
    shots(a, b, "the-archive-view")

    # A deletes "Stickers" with the Delete key; the Trash lists it (A, the host, may empty it; B may not).
    sticker = find(A, "card", '[data-card-title="Stickers"]')
    sticker.click()
    find(A, "card-dialog")
    click(A, "card-dialog-close")
    gone(A, "card-dialog")
    find(A, "card", '[data-card-title="Stickers"]').send_keys(Keys.DELETE)
    wait(A, lambda d: not card_in_column(d, "Ideas", "Stickers"), "Delete did not move the card to the trash")
    click(A, "trash-tab")
    wait(A, lambda d: shelved(d) == ["Stickers"], "the trash does not list the card")
    find(A, "trash-empty")
    click(B, "archive-open")
    click(B, "trash-tab")
    wait(B, lambda d: shelved(d) == ["Stickers"], "B's trash does not list the card")
    assert not B.find_elements(By.CSS_SELECTOR, '[data-testid="trash-empty"]'), "only the host empties the trash"
    shots(a, b, "the-trash")

    # Ctrl+Z (outside a text field) brings the deleted card back; Restore in the archive brings "Ship it" back.
    ActionChains(A).key_down(Keys.CONTROL).send_keys("z").key_up(Keys.CONTROL).perform()
    wait(A, lambda d: card_in_column(d, "Ideas", "Stickers"), "Ctrl+Z did not bring the card back")
    wait(B, lambda d: card_in_column(d, "Ideas", "Stickers"), "B never saw the card come back")
    click(A, "archive-tab")
    # Restored from the keyboard: its row goes, and the focus stays in the panel (on the tab, the list being empty).
    restore = find(A, "shelved-restore")
    A.execute_script("arguments[0].focus()", restore)
    restore.send_keys(Keys.ENTER)
    wait(A, lambda d: card_in_column(d, "Doing", "Ship it"), "Restore did not put the card back")
    wait(B, lambda d: card_in_column(d, "Doing", "Ship it"), "B never saw the restored card")
    wait(A, lambda d: not shelved(d), "the archive still lists the card")
    wait(A, lambda d: focused(d) == "archive-tab", "the focus was lost with the restored row")
    click(A, "archive-close")
    gone(A, "archive-panel")

    # Several people on a card: B takes "Podcast" with M, A adds themself from its dialog; both faces show two.
    podcast = find(B, "card", '[data-card-title="Podcast"]')
    B.execute_script("arguments[0].focus()", podcast)
    podcast.send_keys("m")
    wait(A, lambda d: avatars(d, "Podcast") == 1, "A never saw B take the card")
    click(A, "card", '[data-card-title="Podcast"]')
    find(A, "card-dialog")
    Select(find(A, "add-assignee")).select_by_visible_text("Ada (you)")
    for driver, who in [(A, "A"), (B, "B")]:
        wait(driver, lambda d: avatars(d, "Podcast") == 2, f"{who} never saw two people on the card")
    people = [e.get_attribute("data-member-name") for e in A.find_elements(By.CSS_SELECTOR, '[data-testid="assignee"]')]
    assert people == ["Bea", "Ada"], people
    shots(a, b, "a-card-with-two-people")

    # Board labels: A defines "urgent" on the card from its dialog; B filters by it, and by "mine".
    type_into(A.find_element(By.CSS_SELECTOR, '[aria-label="New label name"]'), "urgent")
    A.find_element(By.XPATH, '//button[normalize-space()="Add label"]').click()
    find(A, "label-toggle", '[data-label="urgent"][aria-pressed="true"]')
    wait(B, lambda d: "urgent" in d.find_element(By.CSS_SELECTOR, '[data-card-title="Podcast"]').get_attribute(
        "textContent"), "B never saw the label on the card")
    click(B, "filters-open")
    click(B, "filter-label", '[data-label="urgent"]')
    wait(B, lambda d: shown_cards(d) == ["Podcast"], "B's label filter did not leave the one card")
    click(B, "filter-label", '[data-label="urgent"]')
    click(B, "filter-person", '[data-person="me"]')
    wait(B, lambda d: shown_cards(d) == ["Podcast"], "B's 'mine' filter did not leave B's card")
    shots(a, b, "b-filters-by-mine")
    click(B, "filters-clear")

    # B starts typing a new name for the label in "Edit labels" as A renames it: B is told what was not saved.
    click(B, "card", '[data-card-title="Podcast"]')
    find(B, "card-dialog")
    click(B, "labels-edit")
    mine = find(B, "label-rename", '[aria-label="Name of the label urgent"]')
    mine.send_keys(Keys.CONTROL, "a")
    mine.send_keys("asap")

    # A renames the label in "Edit labels": every card follows, on B's board too.
    click(A, "labels-edit")
    rename = find(A, "label-rename", '[aria-label="Name of the label urgent"]')
    rename.send_keys(Keys.CONTROL, "a")
    rename.send_keys("now", Keys.ENTER)
    wait(B, lambda d: "now" in d.find_element(By.CSS_SELECTOR, '[data-card-title="Podcast"]').get_attribute(
        "textContent"), "B never saw the label renamed")
    told = "Ada renamed «urgent» to «now»: your new name, «asap», was not saved."
    wait(B, lambda d: any(told in t.text for t in d.find_elements(By.CSS_SELECTOR, '[data-testid="toast"]')),
         "B was not told about the label name being typed")
    click(B, "card-dialog-close")
    gone(B, "card-dialog")
    # The renamed label's row is drawn anew: the focus stays on its name.
    wait(A, lambda d: d.execute_script("return document.activeElement.getAttribute('aria-label')")
         == "Name of the label now", "the focus was lost with the renamed label's row")
    click(A, "labels-edit")
    find(A, "label-toggle", '[data-label="now"][aria-pressed="true"]')
    shots(a, b, "a-renames-a-label")
    click(A, "card-dialog-close")
    gone(A, "card-dialog")
