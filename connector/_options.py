"""Timings of a client's streams. Tests shorten them; the defaults follow Binance."""

from __future__ import annotations

from dataclasses import dataclass

from ._streams import StreamOptions


@dataclass(frozen=True, slots=True)
class LiveOptions:
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    # A market socket quiet for half of this is pinged, and replaced when still silent
    # at the full timeout: a dead stream is reported within 10 s.
    silence_timeout: float = 6.0
    user_silence_timeout: float = 60.0  # account events are rare: ping at half, then drop
    lifetime: float = 23.5 * 3600
    listen_key_keepalive: float = 30 * 60
    reply_timeout: float = 10.0
    messages_per_second: float = 4.0
    max_streams: int = 1024
    margin_refresh_delay: float = 0.3  # one REST read for a burst of futures fills

    def streams(self, futures: bool) -> StreamOptions:
        return StreamOptions(
            messages_per_second=self.messages_per_second * (2 if futures else 1),
            backoff_initial=self.backoff_initial, backoff_max=self.backoff_max,
            silence_timeout=self.silence_timeout, lifetime=self.lifetime,
            reply_timeout=self.reply_timeout, max_streams=self.max_streams)
