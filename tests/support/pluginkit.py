"""What the pytester projects of the plugin's recording tests share."""

#: The inner project's pytest.ini: strict, asyncio auto mode, recordings from ``{url}`` (the upstream).
RECORDING_INI = """
[pytest]
addopts = --strict-markers --strict-config -p no:cacheprovider
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
openai_replay_upstream_url = {url}
"""
