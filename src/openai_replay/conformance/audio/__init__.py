"""The audio columns: the voice frameworks' OpenAI speech-to-text and text-to-speech classes, at their
default settings, driven against the fake's audio endpoints through plain calls, streaming and faults.

Kept apart from the LLM battery (`openai_replay.conformance.checks`): an audio cell drives one
synthesis or one transcription, and proves its result by ear (`openai_replay.audio.voice.recognize`)
rather than by reading text deltas.
"""
