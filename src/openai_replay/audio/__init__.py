"""Audio: speech-to-text and text-to-speech (issue 24): the voice code, validation, body builders, codecs."""
