"""Two people on the same board at the same moment, as fast as they can work: cards added to any column and moved
with the keyboard in every direction, columns moved from their menus, by both at once. Every card shows its title all along (a card moved under
the window once painted blank: WebKit skipped painting it), and when they stop both windows show the same board,
card for card in the same order, with every card either of them made. Screenshots under target/e2e/.
"""

import random
import threading
import traceback

import pytest
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import SHOTS, two_instances
from scenario import calm, click, find, hosted_and_joined, open_composer, screenshot, shots, wait

COLUMNS = ["Todo", "Doing", "Done"]
ARROWS = [Keys.ARROW_LEFT, Keys.ARROW_RIGHT, Keys.ARROW_UP, Keys.ARROW_DOWN]
STEPS = 16


@pytest.fixture
def pair(display):
    yield from two_instances(display)


def board(driver) -> list:
    """Each column's title with its cards' titles, in order, as drawn."""
    return driver.execute_script("""
        return [...document.querySelectorAll('[data-testid="column"]')].map((c) => [
          c.dataset.columnTitle,
          [...c.querySelectorAll('[data-testid="card"]')].map((e) => e.dataset.cardTitle),
        ]);""")


def blank(driver) -> list[str]:
    """The cards on the board whose title is not painted (`innerText` is what is rendered)."""
    return driver.execute_script("""
        return [...document.querySelectorAll('[data-testid="column"] [data-testid="card"]')]
          .filter((e) => !e.innerText.includes(e.dataset.cardTitle)).map((e) => e.dataset.cardTitle);""")


def add(driver, title: str, column: str):
    """Adds a card with the column's composer (`open_composer` aims again when a teammate's change moved it)."""
    open_composer(driver, column).send_keys(title, Keys.ENTER)
    try:
        find(driver, "card", f'[data-card-title="{title}"]')
    except TimeoutException:
        # What the window showed, for the person reading the failure.
        screenshot(driver, str(SHOTS / f"converge-{title.replace(' ', '-')}.png"))
        state = driver.execute_script("""
            const box = document.querySelector('[data-testid="new-card-title"]');
            const column = box && box.closest('[data-testid="column"]');
            return {composer: box && box.value, in: column && column.dataset.columnTitle,
                    focused: document.activeElement && document.activeElement.outerHTML.slice(0, 160),
                    toasts: [...document.querySelectorAll('[data-testid="toast"]')].map((t) => t.innerText)};""")
        raise AssertionError(f"{title} never appeared on the board: {state}; the board: {board(driver)}") from None
    find(driver, "new-card-title").send_keys(Keys.ESCAPE)


def move(driver, rng: random.Random):
    """Picks a card up with the keyboard, moves it one step and drops it."""
    cards = driver.find_elements(By.CSS_SELECTOR, '[data-testid="card"]')
    if not cards:
        return
    try:
        card = rng.choice(cards)
        driver.execute_script("arguments[0].focus()", card)
        card.send_keys(" ")
        ActionChains(driver).send_keys(rng.choice(ARROWS)).send_keys(" ").perform()
    except WebDriverException:
        # The card was drawn again by the teammate's change before it was picked up: a move that did not start.
        ActionChains(driver).send_keys(Keys.ESCAPE).perform()


def move_column(driver, rng: random.Random):
    """Moves a column one place left or right from its menu."""
    try:
        menus = driver.find_elements(By.CSS_SELECTOR, '[data-testid="column-menu"]')
        rng.choice(menus).click()
        side = rng.choice(["move-left", "move-right"])
        item = WebDriverWait(driver, 3).until(lambda d: d.find_element(By.CSS_SELECTOR, f'[data-action="{side}"]'))
        if item.is_enabled():
            item.click()
        else:
            ActionChains(driver).send_keys(Keys.ESCAPE).perform()
    except (WebDriverException, TimeoutException):
        # The columns moved under the pointer (the teammate moved one): close whatever opened.
        calm(driver)


def work(driver, name: str, seed: int, made: list[str], blanks: list[str], errors: list[str]):
    rng = random.Random(seed)
    try:
        for step in range(STEPS):
            draw = rng.random()
            if step < 3 or draw < 0.4:
                title = f"{name} {step}"
                add(driver, title, rng.choice(COLUMNS))
                made.append(title)
            elif draw < 0.85:
                move(driver, rng)
            else:
                move_column(driver, rng)
            blanks.extend(f"{name}'s window, step {step}: {title}" for title in blank(driver))
    except Exception:  # noqa: BLE001 - reported by the test's own thread
        errors.append(f"{name}: {traceback.format_exc()}")


def test_two_people_at_once_end_with_the_same_board(pair):
    a, b = pair
    A, B = a.driver, b.driver
    hosted_and_joined(a, b, "Sprint")
    for title in COLUMNS[1:]:
        click(A, "add-column")
        find(A, "new-column-title").send_keys(title, Keys.ENTER)
        find(A, "column", f'[data-column-title="{title}"]')
        find(A, "new-column-title").send_keys(Keys.ESCAPE)
    wait(B, lambda d: [c for c, _ in board(d)] == COLUMNS, "B never saw the three columns")
    # (Columns move below, so a card goes to a column by its title, wherever it stands by then.)

    seed = random.randrange(1 << 30)
    made: list[str] = []
    blanks: list[str] = []
    errors: list[str] = []
    people = [threading.Thread(target=work, args=(A, "Ada", seed, made, blanks, errors)),
              threading.Thread(target=work, args=(B, "Bea", seed + 1, made, blanks, errors))]
    for person in people:
        person.start()
    for person in people:
        person.join()
    assert not errors, f"seed {seed}\n" + "\n".join(errors)
    assert not blanks, f"seed {seed}: cards painted without their title: {blanks}"

    def agreed(_):
        seen = board(A)
        return (seen == board(B) and sorted(c for c, _ in seen) == sorted(COLUMNS)
                and sorted(t for _, cards in seen for t in cards) == sorted(made))

    wait(A, agreed, f"the two boards never agreed (seed {seed}): A {board(A)}, B {board(B)}")
    assert not blank(A) and not blank(B), f"blank cards at the end: A {blank(A)}, B {blank(B)}"
    shots(a, b, "two-at-once")
