"""Serve a kiosk app with waitress on a free loopback port in a thread, for tests that need real HTTP."""
from __future__ import annotations

import threading
from contextlib import contextmanager

import waitress
from waitress import wasyncore


@contextmanager
def served(app, threads: int = 4):
    """Yield the base URL of ``app`` served by waitress; stop it (and its SSE streams) afterwards."""
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, daemon=True, name="waitress-test")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        app.extensions["kiosk"].broker.close()  # SSE streams end, so waitress threads can stop
        server.task_dispatcher.shutdown(timeout=2)
        # Close every socket from the loop's own thread (a thunk run by waitress's trigger), so its
        # select() never sees a descriptor vanish; with the map empty the loop returns.
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        except OSError:
            # Seen rarely: the trigger's pipe is already closed (the loop is ending on its own);
            # close what is left from here so the loop finds its map empty and returns.
            wasyncore.close_all(server._map)
        thread.join(5)
        if thread.is_alive():
            raise RuntimeError("the test waitress server did not stop")
