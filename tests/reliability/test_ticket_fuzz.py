"""Arbitrary text in the ticket: a valid order is sent exactly once, an invalid one never,
with the reason shown, and nothing raises out of a slot."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gui.panes.ticket_orders import TicketOrder

from ..gui.conftest import Runner
from ..gui.test_main_window import fill_ticket, open_window, order_posts

texts = st.one_of(st.text(max_size=12),
                  st.from_regex(r"-?\d{0,6}(\.\d{0,9})?([eE][+-]?\d{1,3})?", fullmatch=True),
                  st.sampled_from(["NaN", "inf", "-0", "0.00001", "95000", "1,000", " 1 ",
                                   "0.001", "0.01", "1"]))


def test_ticket_text_fuzz(run: Runner) -> None:
    window = run(open_window())
    demo = window._demo
    assert demo is not None
    seen = {"valid": 0, "invalid": 0}

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(qty=texts, price=texts, kind=st.sampled_from(["Limit", "Market"]),
           side=st.sampled_from(["BUY", "SELL"]))
    def check(qty: str, price: str, kind: str, side: str) -> None:
        fill_ticket(window, "BTCUSDT", kind, qty, price)
        window.ticket.validate()  # the inline check must not raise either
        request = window.ticket.request(side)
        before = len(order_posts(demo))
        run(window.submit_order(side))  # raises here if anything escaped the slot
        sent = len(order_posts(demo)) - before
        status = window.ticket.status.text()
        if isinstance(request, TicketOrder):
            seen["valid"] += 1
            assert sent == 1, (qty, price, kind, side, status)
            assert not status.startswith("Not sent"), status
        else:
            seen["invalid"] += 1
            assert sent == 0, (qty, price, request)
            assert status == f"Not sent: {request}"

    check()
    run(window.aclose())
    assert seen["valid"] and seen["invalid"], seen  # both branches were exercised
