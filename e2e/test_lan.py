"""Two computers on a LAN (each app in a network namespace of its own, joined by a bridge): B finds A's board by
its room code alone through mDNS discovery, checks A's words, joins over TLS, and the whole two-person scenario
runs across it."""

from selenium.webdriver.common.keys import Keys

from lan import lan_instances  # noqa: F401  (the fixture)
from conftest import SHOTS
from scenario import click, find, gone, open_recent, press, screenshot, share_a_board, shots, tid, type_into, wait


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
    screenshot(B, str(SHOTS / "lan-invite-B.png"))
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
    open_recent(A)
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
    screenshot(B, str(SHOTS / "lan-found-again-B.png"))


def test_the_host_hands_the_board_to_a_member_and_everyone_follows(lan_instances):
    """A asks B to host the board on B's computer; B accepts. The board (its history, its members and their
    credentials) moves to B's computer; both apps follow it there by themselves, and both keep editing."""
    a, b = lan_instances
    A, B = a.driver, b.driver
    find(A, "board-view")
    find(B, "board-view")
    if not A.find_elements(*tid("share-panel")):
        click(A, "share-open")
    member = wait(A, lambda d: [e for e in d.find_elements(*tid("member-row")) if e.find_elements(*tid("offer-handoff"))],
                  "no member to offer the board to")[0]
    name = member.get_attribute("data-member-name")
    press(A, member.find_element(*tid("offer-handoff")))
    click(A, "confirm-ok")
    find(A, "handoff-offered")
    click(A, "share-close")
    # A's board says whom A asked, until they answer; A withdraws the offer, and B's banner goes.
    assert name in find(A, "handoff-pending").text
    find(B, "handoff-banner")
    click(A, "handoff-withdraw")
    gone(A, "handoff-pending")
    gone(B, "handoff-banner")
    # A asks again.
    click(A, "share-open")
    member = find(A, "member-row", f'[data-member-name="{name}"]')
    press(A, member.find_element(*tid("offer-handoff")))
    click(A, "confirm-ok")
    find(A, "handoff-offered")
    click(A, "share-close")
    find(A, "handoff-pending")
    find(B, "handoff-banner")
    shots(a, b, "handoff-offered")

    click(B, "host-here")
    # B's app hosts the board now; A's app follows it to B's computer, pinned to B's certificate. (A's window shows
    # its old board, connected to its own server, until the move reaches it: wait for the move, then the
    # connection.)
    wait(B, lambda d: d.find_elements(*tid("share-open")), "B's app does not host the board")
    wait(A, lambda d: not d.find_elements(*tid("share-open")), "A's app still hosts the board")
    for driver in (A, B):
        wait(driver, lambda d: d.find_elements(*tid("card", '[data-card-title="Found again"]')), "the board never came back")
        wait(driver, lambda d: d.find_element(*tid("connection")).get_attribute("data-status") == "connected",
             "an app never reconnected after the move")

    # Both keep editing, on B's computer.
    click(A, "add-card", inside=("column", '[data-column-title="Todo"]'))
    find(A, "new-card-title").send_keys("After the move", Keys.ENTER)
    wait(B, lambda d: d.find_elements(*tid("card", '[data-card-title="After the move"]')), "B never saw A's card")
    click(B, "add-card", inside=("column", '[data-column-title="Todo"]'))
    find(B, "new-card-title").send_keys(f"Hosted by {name}", Keys.ENTER)
    wait(A, lambda d: d.find_elements(*tid("card", f'[data-card-title="Hosted by {name}"]')), "A never saw B's card")
    assert not A.find_elements(*tid("handoff-pending")), "A's board still says the offer stands"
    shots(a, b, "handoff-done")
