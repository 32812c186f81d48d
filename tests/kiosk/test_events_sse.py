"""Server-Sent Events: the broker's bounded fan-out, and a real stream through waitress."""
from __future__ import annotations

import json

import requests

from kiosk.web.sse import Broker
from tests.kiosk.fake_central import SAM
from tests.kiosk.serving import served


def test_given_a_subscriber_when_something_is_published_then_it_gets_topic_and_version():
    broker = Broker()
    q = broker.subscribe()
    assert broker.publish("session") == 1
    assert q.get_nowait() == {"topic": "session", "version": 1}


def test_given_a_slow_browser_when_many_changes_come_then_its_queue_keeps_only_the_newest():
    broker = Broker(queue_size=3)
    q = broker.subscribe()
    for _ in range(10):
        broker.publish("session")
    assert [q.get_nowait()["version"] for _ in range(q.qsize())] == [8, 9, 10]


def test_given_too_many_streams_when_one_more_subscribes_then_the_oldest_is_told_to_close():
    broker = Broker(max_subscribers=2)
    first = broker.stream(keepalive=5, max_age=5)
    next(first)  # the hello message; the stream is now subscribed
    second, third = broker.stream(keepalive=5, max_age=5), broker.stream(keepalive=5, max_age=5)
    next(second)
    next(third)
    assert broker.subscriber_count() == 2
    assert list(first) == []  # closed without waiting


def test_given_a_quiet_stream_when_the_keepalive_passes_then_a_comment_is_sent_and_it_ends_at_max_age():
    chunks = list(Broker().stream(keepalive=0.05, max_age=0.3))
    assert chunks[0].startswith("retry: 2000\ndata: ")
    assert ": keep-alive\n\n" in chunks[1:]


def test_given_an_open_stream_when_the_broker_closes_then_the_stream_ends():
    broker = Broker()
    stream = broker.stream(keepalive=5, max_age=60)
    next(stream)
    broker.close()
    assert list(stream) == [] and broker.subscriber_count() == 0


def test_given_a_browser_on_events_when_a_card_is_scanned_then_the_stream_delivers_an_update(app):
    with served(app) as url:
        with requests.get(f"{url}/events", stream=True, timeout=5) as stream:
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            lines = stream.iter_lines(decode_unicode=True)
            hello = next(line for line in lines if line.startswith("data: "))
            assert json.loads(hello[6:])["topic"] == "hello"
            requests.post(f"{url}/dev/scan", json={"code": SAM}, timeout=5).raise_for_status()
            topics = []
            for line in lines:
                if line.startswith("data: "):
                    topics.append(json.loads(line[6:])["topic"])
                    if "session" in topics:
                        break
            assert "session" in topics
        state = requests.get(f"{url}/api/state", timeout=5).json()
        assert state["patron"]["name"] == "Sam T."
