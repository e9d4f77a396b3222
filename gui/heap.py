"""Keep the cycle collector's passes short: what start-up built is never scanned again.

A full (generation 2) collection walks every tracked object; a connected window holds
a few hundred thousand of them (Qt wrappers, contracts, the modules), so one pass took
75-100 ms, the longest stall the window had (``bench/gui.py stall``). Once the first
connect has settled, ``settle`` collects the young generations and freezes everything
alive into the permanent generation: later passes see only what was made since.
Reference counting still frees frozen objects as usual; only cycles among them would
wait, which is why it happens once a process, not on every connect.
"""

from __future__ import annotations

import gc

SETTLE_MS = 1000  # after the first connect: the panes' first loads (history, book) are in
_settled = False


def settle() -> None:
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect(1)  # the young garbage of the connect, cheaply; not a full pass
    gc.freeze()
