#!/usr/bin/env python3
"""Measures the transcription service on this machine: real-time factor on a long utterance,
the floor latency of a short one, and the service's resident memory.

    stt/.venv/bin/python stt/bench.py [--threads 1] [--beam-size 1] [--runs 5]

It starts stt/server.py on a free loopback port with those settings, speaks with espeak-ng,
POSTs each clip `--runs` times (after one warm-up) and prints the medians, one line per clip,
and the service's resident memory (VmRSS, and its peak VmHWM) after the runs.
"""

import argparse
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
LONG = (
    "To start, I have worked as an engineer for several years. Most of my time went into "
    "building reliable services for payments, and I like working closely with people. "
    "When we disagree about a design, I listen first, and then we test both ideas."
)
SHORT = "Yes, I did."


def speak(text):
    wav = subprocess.run(
        ["espeak-ng", "--stdout", "-s", "150", "-v", "en-us", "--", text],
        check=True,
        capture_output=True,
    ).stdout
    # espeak-ng streams its WAV: the header's lengths are placeholders, the data runs to the end.
    with wave.open(io.BytesIO(wav)) as w:
        rate, width = w.getframerate(), w.getsampwidth() * w.getnchannels()
    seconds = (len(wav) - 44) / (rate * width)
    return wav, seconds


def post(url, wav):
    boundary = uuid.uuid4().hex
    parts = [("model", "tiny.en"), ("response_format", "json"), ("language", "en")]
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in parts
    )
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    ).encode() + wav + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        f"{url}/v1/audio/transcriptions",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    started = time.monotonic()
    with urllib.request.urlopen(request) as response:
        text = json.load(response)["text"]
    return time.monotonic() - started, text


def memory(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) // 1024
    return fields


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--beam-size", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "server.py"), "--listen", f"127.0.0.1:{port}",
         "--threads", str(args.threads), "--beam-size", str(args.beam_size),
         "--log-level", "warning"],
        stdout=subprocess.DEVNULL,
    )
    try:
        started = time.monotonic()
        while True:
            try:
                urllib.request.urlopen(f"{url}/health").read()
                break
            except OSError:
                if time.monotonic() - started > 60:
                    raise SystemExit("the service did not come up")
                time.sleep(0.1)
        print(f"service up in {time.monotonic() - started:.2f} s "
              f"(threads {args.threads}, beam {args.beam_size}); idle {memory(server.pid)} MB")
        for name, text in (("long", LONG), ("short", SHORT)):
            wav, seconds = speak(text)
            post(url, wav)  # warm-up
            times = []
            for _ in range(args.runs):
                took, heard = post(url, wav)
                times.append(took)
            median = statistics.median(times)
            print(f"{name}: {seconds:.1f} s of audio, median {median:.3f} s "
                  f"(min {min(times):.3f}, max {max(times):.3f}), "
                  f"real-time factor {median / seconds:.3f}: {heard!r}")
        print(f"memory after the runs: {memory(server.pid)} MB")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
