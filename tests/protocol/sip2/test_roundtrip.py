"""Every message type survives encode -> decode unchanged, for hand-picked and random values."""
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocol.sip2 import MESSAGE_TYPES, Codec
from protocol.sip2.base import variable_layout
from tests.protocol.sip2.strategies import messages

ALL_TYPES = sorted(MESSAGE_TYPES.values(), key=lambda cls: cls.COMMAND)


def _filled(cls):
    """An instance with every attribute set to a non-default value (lists get two entries)."""
    message = cls(**{name: f"{spec.code}-value" for name, spec in variable_layout(cls)
                     if spec.required and spec.kind.name == "text"})
    for name, spec in variable_layout(cls):
        current = getattr(message, name)
        if spec.repeat:
            setattr(message, name, [f"{spec.code} first", f"{spec.code} second"])
        elif current is None and spec.kind.name == "text":
            setattr(message, name, f"{spec.code} text")
        elif current is None and spec.kind.name == "flag":
            setattr(message, name, True)
        elif current is None and spec.kind.name in ("count", "number2"):
            setattr(message, name, 7)
        elif current is None and spec.kind.name == "date":
            setattr(message, name, datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc))
    if hasattr(message, "transaction_date"):
        message.transaction_date = datetime(2024, 5, 6, 7, 8, 9)
    if hasattr(message, "date_time_sync"):
        message.date_time_sync = datetime(2024, 5, 6, 7, 8, 9)
    message.extra_fields = [("ZZ", "vendor value"), ("PB", "20100101")]
    return message


@pytest.mark.parametrize("cls", ALL_TYPES, ids=lambda cls: cls.COMMAND)
@pytest.mark.parametrize("codec", [Codec("cp850"), Codec("utf-8", terminator="\r\n"),
                                   Codec("cp850", error_detection=False)], ids=["cp850", "utf8-crlf", "plain"])
def test_given_each_message_type_filled_in_when_encoded_and_decoded_then_it_is_equal(cls, codec):
    """GIVEN every message type with every field set WHEN encoded and decoded THEN the same message returns."""
    message = _filled(cls)
    if codec.error_detection and cls.COMMAND not in ("96", "97"):
        message.sequence_number = 7
    assert codec.decode(codec.encode(message)) == message


@pytest.mark.parametrize("cls", ALL_TYPES, ids=lambda cls: cls.COMMAND)
def test_given_each_message_type_with_defaults_when_round_tripped_then_it_is_equal(cls):
    """GIVEN each message with only its required identifiers WHEN round-tripped THEN nothing changes."""
    message = cls(**{name: "" for name, spec in variable_layout(cls) if spec.required})
    codec = Codec(error_detection=False)
    assert codec.decode(codec.encode(message)) == message


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
@pytest.mark.parametrize("cls", ALL_TYPES, ids=lambda cls: cls.COMMAND)
def test_given_random_values_without_bars_or_line_breaks_when_round_tripped_then_they_survive(cls, data):
    """GIVEN random field values (no '|', CR or LF) in either encoding WHEN encoded and decoded THEN equal."""
    encoding = data.draw(st.sampled_from(["cp850", "utf-8"]))
    detection = data.draw(st.booleans())
    message = data.draw(messages(cls, encoding, sequence=detection))
    codec = Codec(encoding, error_detection=detection, terminator=data.draw(st.sampled_from(["\r", "\r\n"])))
    wire = codec.encode(message)
    assert wire.count(b"\r") == 1
    assert codec.decode(wire) == message
