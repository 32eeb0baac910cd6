"""Two people on one board, on this computer: A hosts, B joins with the code and A's loopback address."""

from scenario import share_a_board


def test_two_people_share_a_board(instances):
    a, b = instances
    share_a_board(a, b, over_lan=False)
