import threading
import time
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from conftest import two_instances
from scenario import add_card, click, find, hosted_and_joined, wait, shots


@pytest.fixture
def pair(display):
    yield from two_instances(display)


def test_probe_same_card_both_edit(pair):
    a, b = pair
    A, B = a.driver, b.driver
    hosted_and_joined(a, b, "Sprint")
    add_card(A, "Plan")
    wait(B, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-card-title="Plan"]'), "B sees Plan")
    for d in (A, B):
        click(d, "card", '[data-card-title="Plan"]')
        find(d, "card-dialog")
    def edit(d, title, desc):
        t = d.find_element(By.CSS_SELECTOR, '[data-testid="card-dialog-title"]')
        t.click()
        t.send_keys(Keys.CONTROL, "a")
        t.send_keys(title)
        area = d.find_element(By.CSS_SELECTOR, '[data-testid="card-dialog"] textarea')
        area.click()
        area.send_keys(desc)
    ts = [threading.Thread(target=edit, args=(A, "Plan by Ada", "Ada's notes")),
          threading.Thread(target=edit, args=(B, "Plan by Bea", "Bea's notes"))]
    for t in ts: t.start()
    for t in ts: t.join()
    time.sleep(3)
    for d, n in ((A, "A"), (B, "B")):
        print(n, "title input:", d.find_element(By.CSS_SELECTOR, '[data-testid="card-dialog-title"]').get_attribute("value"),
              "| desc:", repr(d.find_element(By.CSS_SELECTOR, '[data-testid="card-dialog"] textarea').get_attribute("value")),
              "| toasts:", [x.text for x in d.find_elements(By.CSS_SELECTOR, '[data-testid="toast"]')],
              "| board:", [e.get_attribute("data-card-title") for e in d.find_elements(By.CSS_SELECTOR, '[data-testid="card"]')])
    shots(a, b, "probe-both-edit")
    for d in (A, B):
        d.find_element(By.CSS_SELECTOR, '[data-testid="card-dialog"]').send_keys(Keys.ESCAPE)
    time.sleep(2)
    for d, n in ((A, "A"), (B, "B")):
        print(n, "after close board:", [e.get_attribute("data-card-title") for e in d.find_elements(By.CSS_SELECTOR, '[data-testid="card"]')],
              "| toasts:", [x.text for x in d.find_elements(By.CSS_SELECTOR, '[data-testid="toast"]')])
    for d, n in ((A, "A"), (B, "B")):
        click(d, "card")
        find(d, "card-dialog")
        time.sleep(0.5)
        print(n, "reopened desc:", repr(d.find_element(By.CSS_SELECTOR, '[data-testid="card-dialog"] textarea').get_attribute("value")),
              "| pill:", d.find_element(By.CSS_SELECTOR, '[data-testid="connection-pill"]').text if d.find_elements(By.CSS_SELECTOR, '[data-testid="connection-pill"]') else None)
    shots(a, b, "probe-both-reopened")
