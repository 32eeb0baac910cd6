"""Two computers on a LAN (each app in a network namespace of its own, joined by a bridge): B finds A's board by
its room code alone through mDNS discovery, checks A's words, joins over TLS, and the whole two-person scenario
runs across it."""

from lan import lan_instances  # noqa: F401  (the fixture)
from scenario import share_a_board


def test_two_computers_join_by_code_alone(lan_instances):
    a, b = lan_instances
    share_a_board(a, b, over_lan=True)
