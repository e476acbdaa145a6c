"""The aiohttp layer: the fake OpenAI server (WebSocket mode and HTTP), the recording proxy and TLS.

Its public face is the top-level ``fake_server`` package (``from fake_server import FakeServer``);
the implementation lives here, inside ``openai_replay``, so that a user's own module named
``fake_server`` cannot shadow what the plugin and the CLI use. It imports the core and aiohttp,
never pytest, the plugin or the CLI.
"""

from openai_replay.server import control_recording
from openai_replay.server.recorder import RecordingProxy
from openai_replay.server.server import FakeServer
from openai_replay.server.state import ServerState

# The control API's runtime recordings use the proxy; registered here to keep the import graph acyclic.
control_recording.registered["proxy"] = RecordingProxy

__all__ = ["FakeServer", "ServerState"]
