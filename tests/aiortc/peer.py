"""An independent OpenAI-realtime WebRTC client (aiortc) for tests/aiortc_call.rs.

It does what a client written for OpenAI's GA realtime endpoint does, and nothing Viva-specific:
creates the `oai-events` data channel and an audio track, posts the (non-trickle) offer to
`$VIVA_URL/v1/realtime/calls` with an `ek_` client secret, applies the answer, and listens.

The audio track plays `$VIVA_WAV` (16-bit PCM) in real time and then STOPS producing packets,
like a muted or stalled browser: no trailing silence is sent unless the WAV has it.

Every data-channel message is recorded and each server event is validated against the openai
SDK's GA models (`openai.types.realtime.RealtimeServerEvent`). The peer waits, within a hard
overall timeout, for `input_audio_buffer.speech_started`, `...speech_stopped` and a
`response.done` after that speech_stopped (then lingers for the end of playback), hangs up with
`POST /v1/realtime/calls/{id}/hangup`, and prints ONE JSON summary line on stdout. It exits 0
unless it crashed (then 1, still with a summary carrying `error`); the caller asserts.

Environment:
  VIVA_URL          base URL of the server, e.g. http://127.0.0.1:8080 (required)
  VIVA_SECRET       the ek_ client secret (required)
  VIVA_WAV          the WAV the microphone plays (required)
  VIVA_QUERY        query string for the call URL, e.g. "viva_events=1" (optional)
  VIVA_TIMEOUT_MS   hard overall timeout (default 30000)
  VIVA_LINGER_MS    after the response, how long to wait for output_audio_buffer.stopped
                    (default 10000, never past the overall timeout)
  VIVA_AFTER_WAV    "end" (the track ends: RTP stops, RTCP goes on) or "stall" (the track
                    never yields another frame); default "end"
  VIVA_LOOPBACK     "1" (default): gather only a 127.0.0.1 host candidate
"""

import asyncio
import fractions
import json
import os
import sys
import time
import traceback
import typing
import urllib.error
import urllib.request
import wave

import aioice.ice
import av
import pydantic
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError
from openai.types.realtime import RealtimeServerEvent

FRAME_MS = 20
STARTED = time.monotonic()


def log(*args):
    print(f"[peer {elapsed_ms():>6} ms]", *args, file=sys.stderr, flush=True)


def elapsed_ms():
    return int((time.monotonic() - STARTED) * 1000)


class WavTrack(MediaStreamTrack):
    """The WAV's 20 ms frames in real time, then nothing (ends or stalls)."""

    kind = "audio"

    def __init__(self, path, after):
        super().__init__()
        with wave.open(path, "rb") as w:
            if w.getsampwidth() != 2 or w.getnchannels() != 1:
                raise ValueError(f"{path}: need 16-bit mono PCM")
            self.rate = w.getframerate()
            self.pcm = w.readframes(w.getnframes())
        self.samples_per_frame = self.rate * FRAME_MS // 1000
        self.after = after
        self.index = 0
        self.start = None
        self.finished_at_ms = None
        self.frames_sent = 0

    @property
    def duration_ms(self):
        return len(self.pcm) // 2 * 1000 // self.rate

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        frame_bytes = self.samples_per_frame * 2
        offset = self.index * frame_bytes
        if offset >= len(self.pcm):
            if self.finished_at_ms is None:
                self.finished_at_ms = elapsed_ms()
                log(f"microphone done after {self.frames_sent} frames; packets stop ({self.after})")
            if self.after == "stall":
                await asyncio.Future()  # never resolves: a stalled capture
            self.stop()
            raise MediaStreamError
        if self.start is None:
            self.start = time.monotonic()
            log("microphone starts")
        due = self.start + self.index * FRAME_MS / 1000
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        chunk = self.pcm[offset : offset + frame_bytes]
        chunk += b"\0" * (frame_bytes - len(chunk))  # the last frame, padded to 20 ms
        frame = av.AudioFrame(format="s16", layout="mono", samples=self.samples_per_frame)
        frame.planes[0].update(chunk)
        frame.sample_rate = self.rate
        frame.pts = self.index * self.samples_per_frame
        frame.time_base = fractions.Fraction(1, self.rate)
        self.index += 1
        self.frames_sent += 1
        return frame


def literal_types(model):
    annotation = model.model_fields["type"].annotation
    return typing.get_args(annotation)


class Validator:
    """Server events against the openai SDK's GA union, with the failing member's own error."""

    def __init__(self):
        self.union = pydantic.TypeAdapter(RealtimeServerEvent)
        union = typing.get_args(RealtimeServerEvent)[0]  # Annotated[Union[...], PropertyInfo]
        self.by_type = {}
        for model in typing.get_args(union):
            for kind in literal_types(model):
                self.by_type[kind] = model
        self.adapters = {}

    def adapter(self, kind):
        if kind not in self.adapters:
            self.adapters[kind] = pydantic.TypeAdapter(self.by_type[kind])
        return self.adapters[kind]

    @staticmethod
    def describe(error):
        problems = []
        for e in error.errors(include_url=False):
            loc = ".".join(str(p) for p in e["loc"]) or "(event)"
            given = json.dumps(e.get("input"), default=str)
            if len(given) > 120:
                given = given[:117] + "..."
            problems.append(f"{loc}: {e['msg']} (got {given})")
        return problems

    def check(self, event, raw):
        """(lax problems, strict problems): empty lists when the event is valid."""
        kind = event.get("type") if isinstance(event, dict) else None
        if kind not in self.by_type:
            return [f"type: not a GA server event type ({kind!r})"], []
        try:
            self.union.validate_python(event)
            lax = []
        except pydantic.ValidationError:
            try:
                self.adapter(kind).validate_python(event)
                lax = ["(the union refused it but its own model accepts it)"]
            except pydantic.ValidationError as e:
                lax = self.describe(e)
        try:
            self.adapter(kind).validate_json(raw, strict=True)
            strict = []
        except pydantic.ValidationError as e:
            strict = self.describe(e)
        return lax, strict


def http(method, url, secret, body=None, content_type=None):
    headers = {"Authorization": f"Bearer {secret}"}
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


async def run(summary):
    base = os.environ["VIVA_URL"].rstrip("/")
    secret = os.environ["VIVA_SECRET"]
    query = os.environ.get("VIVA_QUERY", "").lstrip("?")
    timeout = int(os.environ.get("VIVA_TIMEOUT_MS", "30000")) / 1000
    linger = int(os.environ.get("VIVA_LINGER_MS", "10000")) / 1000
    after = os.environ.get("VIVA_AFTER_WAV", "end")
    deadline = STARTED + timeout
    if os.environ.get("VIVA_LOOPBACK", "1") == "1":
        # aioice skips 127.0.0.1; Viva's test server offers only loopback candidates.
        aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

    validator = Validator()
    mic = WavTrack(os.environ["VIVA_WAV"], after)
    summary["wav_ms"] = mic.duration_ms
    # No STUN server: aiortc would default to a public one.
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    channel = pc.createDataChannel("oai-events")
    pc.addTrack(mic)

    types = summary["types"]
    progress = asyncio.Event()
    marks = {"stopped_at": None, "response_done_after_stop": None}

    @channel.on("open")
    def on_open():
        summary["data_channel_open_ms"] = elapsed_ms()
        log("data channel open")

    @channel.on("message")
    def on_message(message):
        index = len(types)
        if isinstance(message, bytes):
            types.append("(binary)")
            summary["validation_failures"].append(
                {"index": index, "type": "(binary)", "errors": ["binary data-channel message"]}
            )
            return
        try:
            event = json.loads(message)
        except ValueError as e:
            types.append("(not json)")
            summary["validation_failures"].append(
                {"index": index, "type": "(not json)", "errors": [str(e)], "raw": message[:200]}
            )
            return
        kind = event.get("type") if isinstance(event, dict) else None
        kind = kind if isinstance(kind, str) else "(no type)"
        types.append(kind)
        summary["counts"][kind] = summary["counts"].get(kind, 0) + 1
        log(f"<- {kind}")
        if kind.startswith("viva."):
            summary["viva_events"] = True
            summary["viva_event_samples"].setdefault(kind, event)
        else:
            lax, strict = validator.check(event, message)
            if lax:
                summary["validation_failures"].append(
                    {"index": index, "type": kind, "errors": lax, "event": event}
                )
            if strict:
                summary["strict_failures"].append({"index": index, "type": kind, "errors": strict})
        if kind == "input_audio_buffer.speech_stopped" and marks["stopped_at"] is None:
            marks["stopped_at"] = index
        if kind in ("response.created", "response.done") and marks["stopped_at"] is not None:
            summary.setdefault(f"first_{kind}_after_speech_stopped_ms", elapsed_ms())
            if kind == "response.done" and marks["response_done_after_stop"] is None:
                marks["response_done_after_stop"] = index
        progress.set()

    @pc.on("connectionstatechange")
    def on_state():
        summary["states"].append([pc.connectionState, elapsed_ms()])
        log(f"connection {pc.connectionState}")
        progress.set()

    frames = {"n": 0}

    @pc.on("track")
    def on_track(track):
        async def drain():
            try:
                while True:
                    await track.recv()
                    frames["n"] += 1
            except MediaStreamError:
                pass

        asyncio.ensure_future(drain())

    offer = await pc.createOffer()
    await pc.setLocalDescription(offer)  # aiortc gathers every candidate here: non-trickle
    while pc.iceGatheringState != "complete":
        await asyncio.sleep(0.01)
    url = f"{base}/v1/realtime/calls" + (f"?{query}" if query else "")
    status, headers, body = await asyncio.to_thread(
        http, "POST", url, secret, pc.localDescription.sdp.encode(), "application/sdp"
    )
    summary["call_status"] = status
    if status != 201:
        summary["error"] = f"POST {url} answered {status}: {body[:500]}"
        await pc.close()
        return
    location = {k.lower(): v for k, v in headers.items()}.get("location", "")
    summary["call_id"] = location.rsplit("/", 1)[-1]
    await pc.setRemoteDescription(RTCSessionDescription(sdp=body, type="answer"))
    log(f"answered: {location}")

    def heard_turn():
        counts = summary["counts"]
        return (
            counts.get("input_audio_buffer.speech_started", 0) > 0
            and marks["stopped_at"] is not None
            and marks["response_done_after_stop"] is not None
        )

    async def wait_until(done, until):
        while not done() and pc.connectionState not in ("failed", "closed"):
            left = until - time.monotonic()
            if left <= 0:
                return False
            progress.clear()
            try:
                await asyncio.wait_for(progress.wait(), left)
            except asyncio.TimeoutError:
                return done()
        return done()

    summary["turn_complete"] = await wait_until(heard_turn, deadline)
    summary["timed_out"] = not summary["turn_complete"]
    if summary["turn_complete"]:
        after_done = marks["response_done_after_stop"]
        await wait_until(
            lambda: "output_audio_buffer.stopped" in types[after_done:],
            min(deadline, time.monotonic() + linger),
        )
    summary["mic_finished_ms"] = mic.finished_at_ms
    summary["mic_frames_sent"] = mic.frames_sent
    summary["audio_frames_received"] = frames["n"]
    if summary["call_id"]:
        status, _, body = await asyncio.to_thread(http, "POST", f"{base}{location}/hangup", secret)
        summary["hangup_status"] = status
        log(f"hangup: {status} {body[:200]}")
    await pc.close()


def main():
    summary = {
        "call_id": None,
        "call_status": None,
        "hangup_status": None,
        "turn_complete": False,
        "timed_out": False,
        "counts": {},
        "types": [],
        "validation_failures": [],
        "strict_failures": [],
        "viva_events": False,
        "viva_event_samples": {},
        "states": [],
        "error": None,
    }
    code = 0
    try:
        asyncio.run(run(summary))
    except Exception:
        summary["error"] = traceback.format_exc()
        code = 1
    summary["viva_events"] = any(t.startswith("viva.") for t in summary["types"])
    summary["elapsed_ms"] = elapsed_ms()
    print(json.dumps(summary), flush=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
