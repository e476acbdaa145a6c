"""One voice agent's turn, offline, through a real Pipecat pipeline: the user's audio in, Pipecat's
OpenAISTTService -> OpenAILLMService -> OpenAITTSService against the fake, the reply's speech out.
docs/audio.md quotes this file byte for byte."""

import asyncio
import io
import wave

import numpy as np
import openai
import pytest
from pipecat.audio.vad.vad_analyzer import VADAnalyzer, VADParams
from pipecat.frames.frames import (
    EndFrame,
    InputAudioRawFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
    TTSStoppedFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import LLMContextAggregatorPair, LLMUserAggregatorParams
from pipecat.processors.audio.vad_processor import VADProcessor
from pipecat.processors.frame_processor import FrameProcessor
from pipecat.services.openai.llm import OpenAILLMService
from pipecat.services.openai.stt import OpenAISTTService
from pipecat.services.openai.tts import OpenAITTSService
from pipecat.turns.user_stop.speech_timeout_user_turn_stop_strategy import SpeechTimeoutUserTurnStopStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies
from pipecat.workers.runner import WorkerRunner

from openai_replay.audio import voice
from openai_replay.scenarios import scenario

QUESTION = "What is the weather in Paris?"
ANSWER = "Sunny and 21 degrees in Paris."
SYSTEM = "You are a helpful voice agent."


class LoudnessVAD(VADAnalyzer):
    """Speech is any 20 ms louder than -40 dBFS: the fake's speech is tones, which Silero does not take for a voice."""

    def __init__(self) -> None:
        super().__init__(params=VADParams(min_volume=0.0))

    def num_frames_required(self) -> int:
        return self.sample_rate // 50

    def voice_confidence(self, buffer: bytes) -> float:
        samples = np.frombuffer(buffer, dtype="<i2").astype(np.float64)
        return float(samples.size > 0 and np.sqrt(np.mean(samples**2)) > 328)


class Tap(FrameProcessor):
    """Keeps every frame that passes (the test reads them) and passes it on."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list = []
        self.spoken = asyncio.Event()

    async def process_frame(self, frame, direction) -> None:
        await super().process_frame(frame, direction)
        self.frames.append(frame)
        if isinstance(frame, TTSStoppedFrame):
            self.spoken.set()
        await self.push_frame(frame, direction)

    def of(self, kind: type) -> list:
        return [f for f in self.frames if isinstance(f, kind)]


@pytest.mark.openai_replay(scenario=scenario("weather").on(api="chat").reply(ANSWER).build())
async def test_a_voice_turn_through_pipecat(openai_server) -> None:
    """User speech in, the exact transcript, the LLM request it makes, the reply spoken and heard back exactly."""
    url = openai_server.url
    stt = OpenAISTTService(api_key="test", base_url=url)
    llm = OpenAILLMService(api_key="test", base_url=url, settings=OpenAILLMService.Settings(system_instruction=SYSTEM))
    tts = OpenAITTSService(api_key="test", base_url=url)
    user, assistant = LLMContextAggregatorPair(
        LLMContext(),
        user_params=LLMUserAggregatorParams(user_turn_strategies=UserTurnStrategies(stop=[SpeechTimeoutUserTurnStopStrategy()])),
    )
    heard, said, spoken = Tap(), Tap(), Tap()
    pipeline = Pipeline([VADProcessor(vad_analyzer=LoudnessVAD()), stt, heard, user, llm, said, tts, spoken, assistant])
    worker = PipelineWorker(pipeline, params=PipelineParams(audio_in_sample_rate=16000), enable_rtvi=False)
    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    running = asyncio.ensure_future(runner.run())

    # 1. The user's microphone: our synthesiser's speech at 16 kHz, then a second of silence, in 20 ms frames.
    mic = voice.synthesize(QUESTION, sample_rate=16000) + bytes(32000)
    for start in range(0, len(mic), 640):
        await worker.queue_frame(InputAudioRawFrame(audio=mic[start : start + 640], sample_rate=16000, num_channels=1))
        await asyncio.sleep(0.001)
    await asyncio.wait_for(spoken.spoken.wait(), timeout=15)
    await worker.queue_frame(EndFrame())
    await asyncio.wait_for(running, timeout=15)

    # 2. Speech-to-text: Pipecat's transcript is the exact text, from one WAV upload.
    assert [f.text for f in heard.of(TranscriptionFrame)] == [QUESTION]
    log = openai_server.log
    assert [r.api for r in log] == ["transcription", "chat", "speech"]
    assert log.request(1).audio["text"] == QUESTION
    # 3. The LLM request Pipecat made: the system instruction and the user's words, nothing else.
    log.assert_full_context(2, [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}])
    assert "".join(f.text for f in said.of(LLMTextFrame)) == ANSWER
    # 4. Text-to-speech: the reply's audio, as Pipecat hands it to the transport, says exactly the reply.
    assert log.request(3).payload["input"] == ANSWER
    audio = b"".join(f.audio for f in spoken.of(TTSAudioRawFrame))
    assert {(f.sample_rate, f.num_channels) for f in spoken.of(TTSAudioRawFrame)} == {(24000, 1)}
    assert voice.recognize(audio, 24000) == ANSWER
    # 5. The round trip: the agent's speech, uploaded to our speech-to-text, is heard as the reply's text.
    wav = io.BytesIO()
    with wave.open(wav, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(24000)
        w.writeframes(audio)
    async with openai.AsyncOpenAI(base_url=url, api_key="test") as client:
        back = await client.audio.transcriptions.create(model="gpt-4o-transcribe", file=("agent.wav", wav.getvalue()))
    assert back.text == ANSWER
