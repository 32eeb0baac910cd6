"""Comments on a card, between two people: A hosts, B joins. B opens A's card and writes a comment mentioning A,
picking A's name from the @ picker; A's app asks for a desktop notification of the mention; A's card shows a comment count at once and A's dialog shows the comment with
A's mention marked. A replies; B, with the card open, sees the reply arrive. B edits B's comment (A sees it edited),
and A, the host, deletes it (B sees it go). Screenshots of the card dialog under target/e2e/.
"""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import two_instances
from scenario import add_card, click, find, gone, host_board, join, share_details, shots, type_into, wait


@pytest.fixture
def pair(display):
    yield from two_instances(display)


def comment_texts(driver) -> list[str]:
    return [e.text.strip() for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="comment-body"]')]


def test_comments_with_mentions_live_between_two_people(pair):
    a, b = pair
    A, B = a.driver, b.driver
    host_board(A, "Launch", "Ada")
    add_card(A, "Write the agenda")
    code, address = share_details(A)
    join(B, code, "Bea", address)
    find(B, "card", '[data-card-title="Write the agenda"]')

    # B opens the card and writes a comment, mentioning A through the picker.
    click(B, "card", '[data-card-title="Write the agenda"]')
    find(B, "card-dialog")
    find(B, "comments")
    box = find(B, "comment-input")
    box.click()
    box.send_keys("Can you check the times, @Ad")
    picker = find(B, "mention-picker")
    assert "Ada" in picker.text, picker.text
    box.send_keys(Keys.ENTER)
    wait(B, lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="comment-input"]').get_attribute("value")
         == "Can you check the times, @Ada ", "the picker did not complete the name")
    box.send_keys("?")
    box.send_keys(Keys.CONTROL, Keys.ENTER)
    wait(B, lambda d: comment_texts(d) == ["Can you check the times, @Ada ?"], "B's comment never showed")
    wait(B, lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="comment-pending"]'), "never confirmed")
    assert find(B, "comment-input").get_attribute("value") == ""
    mention = B.find_element(By.CSS_SELECTOR, '[data-testid="comment-body"] .mention')
    assert mention.text == "@Ada", mention.text

    # A's app shows A a desktop notification of the mention (in its log: this bare X server has no notification
    # service to show it on).
    def notified(_):
        log = (a.data / "app.log").read_text(errors="replace")
        return any("desktop notification" in line and "Bea mentioned you on «Write the agenda»" in line
                   for line in log.splitlines())

    wait(A, notified, "A's app never notified A of the mention")

    # A's card shows the count at once; A opens it and sees the comment, A's own mention marked.
    wait(A, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-card-title="Write the agenda"] [data-testid="card-comments"]'),
         "A's card never showed a comment count")
    count = A.find_element(By.CSS_SELECTOR, '[data-card-title="Write the agenda"] [data-testid="card-comments"]')
    assert count.text.strip() == "1", count.text
    click(A, "card", '[data-card-title="Write the agenda"]')
    find(A, "card-dialog")
    wait(A, lambda d: comment_texts(d) == ["Can you check the times, @Ada ?"], "A never saw B's comment")
    assert A.find_elements(By.CSS_SELECTOR, '[data-testid="comment-body"] .mention.me'), "A's mention is not marked"

    # A replies; B, with the card open, sees the reply arrive under B's comment.
    reply = find(A, "comment-input")
    reply.click()
    reply.send_keys("Yes: 10:00 to 12:30, **with a break**")
    click(A, "comment-send")
    wait(B, lambda d: len(comment_texts(d)) == 2, "B never saw A's reply")
    assert comment_texts(B)[1] == "Yes: 10:00 to 12:30, with a break", comment_texts(B)
    assert find(B, "comment-count").text.strip() == "2"
    shots(a, b, "comments-both-see-the-conversation")

    # B edits B's own comment (B has no Edit on A's); A sees the new text, marked edited.
    edits = B.find_elements(By.CSS_SELECTOR, '[data-testid="comment-edit"]')
    assert len(edits) == 1, "B may edit only B's own comment"
    B.execute_script("arguments[0].click()", edits[0])
    edit = find(B, "comment-edit-box")
    type_into(edit, "Can you check the times, @Ada? Thanks!")
    click(B, "comment-save")
    wait(A, lambda d: comment_texts(d)[0] == "Can you check the times, @Ada? Thanks!", "A never saw the edit")
    wait(A, lambda d: "edited" in d.find_elements(By.CSS_SELECTOR, '[data-testid="comment"]')[0].text,
         "A never saw it marked edited")

    # B starts editing it again, and A, the host, deletes B's comment; it goes for B too (who is told the edit was
    # not saved), and the card's count follows.
    B.execute_script("arguments[0].click()", B.find_elements(By.CSS_SELECTOR, '[data-testid="comment-edit"]')[0])
    type_into(find(B, "comment-edit-box"), "Half a thought")
    deletes = A.find_elements(By.CSS_SELECTOR, '[data-testid="comment-delete"]')
    assert len(deletes) == 2, "the host may delete any comment"
    A.execute_script("arguments[0].click()", deletes[0])
    click(A, "confirm-ok")
    wait(B, lambda d: comment_texts(d) == ["Yes: 10:00 to 12:30, with a break"], "B's comment never went for B")
    told = "Ada deleted the comment you were editing: your changes were not saved."
    wait(B, lambda d: any(told in t.text for t in d.find_elements(By.CSS_SELECTOR, '[data-testid="toast"]')),
         "B was not told about the edit")
    click(B, "card-dialog-close")
    gone(B, "card-dialog")
    count = find(B, "card-comments", "")
    assert count.text.strip() == "1", count.text
    shots(a, b, "comments-after-a-delete")
