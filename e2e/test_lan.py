"""Two computers on a LAN (each app in a network namespace of its own, joined by a bridge): B finds A's board by
its room code alone through mDNS discovery, checks A's words, joins over TLS, and the whole two-person scenario
runs across it."""

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from lan import lan_instances  # noqa: F401  (the fixture)
from conftest import SHOTS
from scenario import click, find, share_a_board, tid, type_into, wait


def test_two_computers_join_by_code_alone(lan_instances):
    a, b = lan_instances
    share_a_board(a, b, over_lan=True)


def test_an_invite_link_opens_the_join_screen_filled_in(lan_instances):
    """B's app is started by A's invite link (as the desktop does when the link is clicked): the Join screen is
    filled in, and B joins with the fingerprint the link carries, so there are no words to compare."""
    a, b = lan_instances
    A = a.driver
    if not A.find_elements(*tid("share-panel")):
        click(A, "share-open")
    code = find(A, "room-code").text.strip()
    link = find(A, "invite-link").get_attribute("value")
    assert f"host={a.lan_address}&" in link, link

    b.driver.quit()
    b.driver = b.new_session(args=(link,))
    B = b.driver
    note = find(B, "join-invite")
    assert f"{a.lan_address}:" in note.text, note.text
    assert find(B, "join-code").get_attribute("value") == code
    assert not B.find_elements(*tid("join-address")), "an invite needs no address typed"
    type_into(find(B, "join-name"), "Cy")
    B.save_screenshot(str(SHOTS / "lan-invite-B.png"))
    click(B, "join-submit")
    find(B, "board-view")
    assert not B.find_elements(*tid("confirm-dialog")), "the link vouched for the host: no words to compare"
    wait(A, lambda d: d.find_elements(*tid("member-row", '[data-member-name="Cy"]')), "A never saw Cy join")


def test_a_host_that_comes_back_at_another_port_is_found_by_its_certificate(lan_instances):
    """A quits and starts again: its server gets another port. B's app, whose host has gone, looks for the
    computer announcing A's certificate, finds it at the new port by itself and carries on: nobody types an
    address."""
    a, b = lan_instances
    A, B = a.driver, b.driver
    find(B, "board-view")
    before = find(A, "share-local-address").text.strip() if A.find_elements(*tid("share-panel")) else None
    a.driver.quit()
    wait(B, lambda d: d.find_element(*tid("connection")).get_attribute("data-status") in ("reconnecting", "offline"),
         "B never noticed A leaving")

    # A starts again and shares the board again: its server listens on another port this time.
    a.driver = A = a.new_session()
    find(A, "start-screen")
    wait(A, lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="recent-board"] .recent-open').click() or True,
         "A could not reopen its board")
    find(A, "board-view")
    click(A, "share-open")
    wait(A, lambda d: d.find_element(*tid("share-toggle")).is_enabled(), "the share panel never loaded")
    if find(A, "share-toggle").get_attribute("aria-pressed") != "true":
        click(A, "share-toggle")
    wait(A, lambda d: any(e.text.strip().startswith(f"{a.lan_address}:") for e in d.find_elements(*tid("share-address"))),
         "A's LAN address never listed")
    after = find(A, "share-local-address").text.strip()
    assert after != before, f"A's server kept its port ({after}): the test needs another one"
    click(A, "share-close")

    # B finds A again by itself, and A's new card reaches B.
    wait(B, lambda d: d.find_element(*tid("connection")).get_attribute("data-status") == "connected",
         "B never found A at its new port")
    click(A, "add-card", inside=("column", '[data-column-title="Todo"]'))
    find(A, "new-card-title").send_keys("Found again", Keys.ENTER)
    wait(B, lambda d: d.find_elements(*tid("card", '[data-card-title="Found again"]')), "B never saw A's new card")
    B.save_screenshot(str(SHOTS / "lan-found-again-B.png"))
