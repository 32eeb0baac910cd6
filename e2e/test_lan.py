"""Two computers on a LAN (each app in a network namespace of its own, joined by a bridge): B finds A's board by
its room code alone through mDNS discovery, checks A's words, joins over TLS, and the whole two-person scenario
runs across it."""

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
