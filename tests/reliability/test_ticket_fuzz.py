"""Arbitrary text in the ticket never sends an invalid order and never raises out of a slot."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gui.panes.ticket import OrderRequest

from ..gui.conftest import Runner
from ..gui.test_main_window import fill_ticket, open_window, order_posts

texts = st.one_of(st.text(max_size=12),
                  st.from_regex(r"-?\d{0,6}(\.\d{0,9})?([eE][+-]?\d{1,3})?", fullmatch=True),
                  st.sampled_from(["NaN", "inf", "-0", "0.00001", "95000", "1,000", " 1 "]))


def test_ticket_text_fuzz(run: Runner) -> None:
    window = run(open_window())
    demo = window._demo
    assert demo is not None

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
        if isinstance(request, OrderRequest):
            assert sent <= 1
        else:
            assert sent == 0, (qty, price, request)

    check()
    run(window.aclose())
