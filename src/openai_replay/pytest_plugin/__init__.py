"""The pytest plugin (entry point ``openai_replay.pytest_plugin.plugin``): fixtures, the marker,
`--record-mode`, and the sources (scenario, cassette, recording proxy) a test's marker asks for.

It is one of the two places (with `openai_replay.cli`) that tie the core, the server and pytest together.
"""
