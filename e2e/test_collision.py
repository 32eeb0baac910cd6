"""Two people writing the same card's description at once: Ada's box does not change under her caret, so when Bea's
description lands while Ada types, Ada's save is not written over Bea's. Ada is shown Bea's text and chooses: "Use
theirs" puts it in her box, "Keep mine" writes hers over it knowingly, and both windows end with the chosen text.
Screenshots under target/e2e/.
"""

import pytest
from selenium.webdriver.common.by import By

from conftest import two_instances
from scenario import add_card, click, find, gone, hosted_and_joined, shots, wait


@pytest.fixture
def pair(display):
    yield from two_instances(display)


def description(driver):
    return driver.find_element(By.CSS_SELECTOR, '[data-testid="card-dialog-description"]')


def edits_by(driver, name: str) -> int:
    """How many times the card's activity says `name` edited it."""
    entries = driver.find_elements(By.CSS_SELECTOR, '[data-testid="card-dialog"] [data-testid="activity-entry"] p')
    return sum(1 for e in entries if " ".join(e.text.split()).startswith(f"{name} edited"))


def write(driver, text: str):
    """Types `text` into the description and leaves the box (it is saved then)."""
    box = description(driver)
    box.click()
    box.send_keys(text)
    driver.find_element(By.CSS_SELECTOR, '[data-testid="card-dialog-title"]').click()
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="save-state"]').text == "Saved", "never saved")


def test_a_description_written_by_two_at_once_is_never_written_over_unseen(pair):
    a, b = pair
    A, B = a.driver, b.driver
    hosted_and_joined(a, b, "Offsite")
    add_card(A, "Plan the day")
    wait(B, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-card-title="Plan the day"]'), "B never saw the card")
    for driver in (A, B):
        click(driver, "card", '[data-card-title="Plan the day"]')
        find(driver, "card-dialog")

    # Ada starts in the description; Bea writes hers and it lands while Ada's caret is in the box.
    description(A).click()
    write(B, "Bus at nine.")
    wait(A, lambda d: edits_by(d, "Bea") == 1, "Bea's edit never reached A")
    assert description(A).get_attribute("value") == ""
    description(A).send_keys("Train at eight.")

    # Ada's save is held back and she is shown Bea's text; she takes Bea's.
    notice = find(A, "card-collision")
    shots(a, b, "collision-shown")
    said = " ".join(notice.get_attribute("textContent").split())  # (WebDriver's text skips a clamped box's lines)
    assert "A teammate changed the description while you were writing it: «Bus at nine.»" in said, said
    click(A, "collision-theirs")
    gone(A, "card-collision")
    assert description(A).get_attribute("value") == "Bus at nine."
    assert description(B).get_attribute("value") == "Bus at nine."

    # Again, and this time Ada keeps hers: it is written over Bea's, for both.
    description(A).click()
    write(B, " Back at six.")
    wait(A, lambda d: edits_by(d, "Bea") == 2, "Bea's second edit never reached A")
    description(A).send_keys(" Lunch at noon.")
    find(A, "card-collision")
    click(A, "collision-mine")
    gone(A, "card-collision")
    mine = "Bus at nine. Lunch at noon."
    wait(A, lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="save-state"]').text == "Saved", "A's never saved")
    wait(B, lambda d: description(d).get_attribute("value") == mine, "B never got A's description")
    assert description(A).get_attribute("value") == mine
    shots(a, b, "collision-kept-mine")
