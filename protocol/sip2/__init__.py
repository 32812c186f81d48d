"""SIP2 2.00 (3M Standard Interchange Protocol): message dataclasses, codec, framing, sequence numbers.

Both sides use it: the kiosk's SIP2 backend (the self-check, SC) and the central server's SIP2
server (the library system, ACS). Typical SC use::

    codec, counter, splitter = Codec(encoding="cp850"), SequenceCounter(), MessageSplitter()
    sock.sendall(codec.encode(Checkout(patron_identifier=patron, item_identifier=item), counter.next()))
    for raw in splitter.feed(sock.recv(4096)):
        reply = codec.decode(raw)       # a CheckoutResponse, or a typed SIP2Error
        check_echo(counter.current, reply)
"""
from protocol.sip2.base import MESSAGE_TYPES, Message
from protocol.sip2.codec import Codec
from protocol.sip2.dates import format_sip_date, parse_sip_date, sip_now
from protocol.sip2.errors import (
    ChecksumError, DateError, FieldValueError, MessageFormatError, MessageTooLongError, MissingFieldError,
    SequenceMismatchError, SIP2Error, TextEncodingError, UnsupportedMessageError,
)
from protocol.sip2.framing import MessageSplitter, split_messages
from protocol.sip2.logline import log_line
from protocol.sip2.acs_messages import (
    ACSStatus, CheckinResponse, CheckoutResponse, EndSessionResponse, FeePaidResponse, HoldResponse,
    ItemInformationResponse, ItemStatusUpdateResponse, LoginResponse, PatronEnableResponse,
    PatronInformationResponse, PatronStatusResponse, RenewAllResponse, RenewResponse, RequestSCResend,
)
from protocol.sip2.codes import (
    AlertType, CirculationStatus, FeeType, HoldMode, HoldType, MediaType, PaymentType, SecurityMarker,
)
from protocol.sip2.sc_messages import (
    BlockPatron, Checkin, Checkout, EndPatronSession, FeePaid, Hold, ItemInformation, ItemStatusUpdate, Login,
    PatronEnable, PatronInformation, PatronStatusRequest, Renew, RenewAll, RequestACSResend, SCStatus,
)
from protocol.sip2.sequence import SequenceCounter, check_echo, echo_sequence

__all__ = [
    "MESSAGE_TYPES", "Message", "Codec", "format_sip_date", "parse_sip_date", "sip_now",
    "ChecksumError", "DateError", "FieldValueError", "MessageFormatError", "MessageTooLongError",
    "MissingFieldError", "SequenceMismatchError", "SIP2Error", "TextEncodingError", "UnsupportedMessageError",
    "MessageSplitter", "split_messages", "log_line",
    "BlockPatron", "Checkin", "Checkout", "EndPatronSession", "FeePaid", "Hold", "ItemInformation",
    "ItemStatusUpdate", "Login", "PatronEnable", "PatronInformation", "PatronStatusRequest", "Renew", "RenewAll",
    "RequestACSResend", "SCStatus",
    "ACSStatus", "CheckinResponse", "CheckoutResponse", "EndSessionResponse", "FeePaidResponse", "HoldResponse",
    "ItemInformationResponse", "ItemStatusUpdateResponse", "LoginResponse", "PatronEnableResponse",
    "PatronInformationResponse", "PatronStatusResponse", "RenewAllResponse", "RenewResponse", "RequestSCResend",
    "AlertType", "CirculationStatus", "FeeType", "HoldMode", "HoldType", "MediaType", "PaymentType",
    "SecurityMarker",
    "SequenceCounter", "check_echo", "echo_sequence",
]
