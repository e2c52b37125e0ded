"""``chatdesk run --platform slack``: Socket Mode by default, or HTTP on ``/slack/events``.

Environment: ``SLACK_BOT_TOKEN`` always; ``SLACK_APP_TOKEN`` for Socket Mode;
``SLACK_SIGNING_SECRET`` for HTTP; ``SLACK_API_URL`` overrides the Web API base URL (tests point
it at a local fake); ``CHATDESK_SLACK_HOST`` is the HTTP bind address (default 0.0.0.0).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from http.server import ThreadingHTTPServer
from typing import Any

from slack_bolt import App
from slack_bolt.error import BoltError

from bot.adapters.slack import messages
from bot.adapters.slack.app import create_app, web_client
from bot.adapters.slack.directory import PLATFORM, SlackDirectory
from bot.adapters.slack.forms import keep_buttons
from bot.adapters.slack.front_door import EVENTS_PATH, HEALTH_PATH, http_server
from bot.config import Config
from bot.errors import ConfigError
from bot.adapters.slack.outbox import SlackOutbox
from bot.adapters.slack.sender import slack_courier
from bot.app import leave
from bot.courier import Courier
from bot.inbox import receiver_for

log = logging.getLogger(__name__)

__all__ = ["EVENTS_PATH", "HEALTH_PATH", "http_server", "run", "serve", "start_scheduler"]


def run(config: Config, args: Any, *, env: Mapping[str, str] | None = None) -> int:
    """Start the Slack desk and serve until interrupted; returns the exit status."""
    env = os.environ if env is None else env
    http = bool(getattr(args, "http", False))
    needed = ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET" if http else "SLACK_APP_TOKEN"]
    missing = [name for name in needed if not env.get(name)]
    if missing:
        raise ConfigError(messages.SLACK_CONFIG_MISSING, names=" and ".join(missing))
    logging.basicConfig(level=env.get("CHATDESK_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from bot.app import build_desk

    directory = SlackDirectory(config)
    desk = build_desk(config, people=directory.lookup)
    desk.group_members = directory.members_of  # an on-duty user group, when [assignment] names one
    client = web_client(token=env["SLACK_BOT_TOKEN"], base_url=env.get("SLACK_API_URL"))
    directory.client = client
    receiver = receiver_for(config, source=PLATFORM)
    # Started first: what the last process owed goes out before anything new is owed.
    courier = slack_courier(desk, client).start()
    timers = None
    code = 1
    try:
        try:
            app = create_app(desk, client=client, directory=directory, receiver=receiver, courier=courier,
                             signing_secret=env["SLACK_SIGNING_SECRET"] if http else None)
        except BoltError as error:
            raise ConfigError(messages.SLACK_AUTH_FAILED, problem=error) from None
        keep_buttons(desk, client)  # the intake form's "New ticket" message, once per support channel
        timers = start_scheduler(desk, client, courier=courier)
        code = _serve(app, config, env, args, http=http, location=desk.store_location, client=client,
                      health=receiver.health)
    finally:
        # Joined, not left to die with the interpreter: a thread still logging at shutdown can abort it.
        timers_ended = timers.stop() if timers is not None else True
        courier_ended = courier.stop()
    return leave(code, threads_ended=timers_ended and courier_ended)


def start_scheduler(desk, client, *, courier: Courier | None = None) -> Any:
    """Reminders, waiting nudges and the weekly post, through the Slack outbox; a handle to ``stop()``, or None."""
    scheduler = desk.scheduler(SlackOutbox(desk, client, courier=courier), platform="slack")
    return scheduler.start() if scheduler is not None else None


def _serve(app: App, config: Config, env: Mapping[str, str], args: Any, *, http: bool, location: str,
           client, health: Callable[[], str | None] | None = None) -> int:
    if http:
        host = env.get("CHATDESK_SLACK_HOST", "0.0.0.0")
        port = int(getattr(args, "port", 3000))
        server = http_server(app, host=host, port=port, health=health)
        print(messages.SLACK_LISTENING_HTTP.format(team=config.team, host=host, port=server.server_address[1],
                                                   location=location), file=sys.stderr, flush=True)
        return serve(server)
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    print(messages.SLACK_LISTENING_SOCKET.format(team=config.team, location=location), file=sys.stderr, flush=True)
    SocketModeHandler(app, app_token=env["SLACK_APP_TOKEN"], web_client=client).start()
    return 0


def serve(server: ThreadingHTTPServer) -> int:
    """Serve until SIGTERM/SIGINT, then stop cleanly."""

    def stop(signum, frame) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
