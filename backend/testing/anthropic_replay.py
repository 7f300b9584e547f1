"""Recorded Anthropic Messages API answers, played on the SDK's real HTTP transport.

The chat tests give `anthropic.AsyncAnthropic` an httpx2 client (the SDK's HTTP library) whose transport answers each
`POST /v1/messages` with the next recorded answer: a Message (sent as the API streams it —
message_start, content blocks with their deltas, message_delta, message_stop — when the
request asks for a stream, as the chat loop always does; as plain JSON otherwise) or an error
(status, error body and headers exactly as the API sends them). Everything between the SDK
and the wire is the real SDK. Recordings live in backend/tests/recordings/anthropic/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anthropic
import httpx2

API_KEY = "sk-ant-api03-replay"
RECORDINGS = Path(__file__).resolve().parent.parent / "tests" / "recordings" / "anthropic"


def load_recording(name: str, **values: str) -> list[dict[str, Any]]:
    """The answers of `<name>.json`, with `{{key}}` placeholders filled from `values`."""
    text = (RECORDINGS / f"{name}.json").read_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    left = re.findall(r"\{\{(\w+)\}\}", text)
    assert not left, f"recording {name} needs values for {left}"
    return json.loads(text)


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def stream_body(message: dict[str, Any]) -> str:
    """The text/event-stream the API sends for `message`, event by event."""
    start = {**message, "content": [], "stop_reason": None, "stop_sequence": None}
    start["usage"] = {**message["usage"], "output_tokens": 1}
    parts = [_sse("message_start", {"type": "message_start", "message": start})]
    parts.append(_sse("ping", {"type": "ping"}))
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            opening = {"type": "text", "text": ""}
            deltas = [
                {"type": "text_delta", "text": c} for c in re.findall(r"\S+\s*|\s+", block["text"])
            ]
        else:
            opening = {**block, "input": {}}
            raw = json.dumps(block["input"], separators=(",", ":"))
            deltas = [{"type": "input_json_delta", "partial_json": c} for c in _chunks(raw, 24)]
        parts.append(
            _sse(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": opening},
            )
        )
        for delta in deltas:
            parts.append(
                _sse(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": delta},
                )
            )
        parts.append(_sse("content_block_stop", {"type": "content_block_stop", "index": index}))
    parts.append(
        _sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                "usage": {"output_tokens": message["usage"]["output_tokens"]},
            },
        )
    )
    parts.append(_sse("message_stop", {"type": "message_stop"}))
    return "".join(parts)


class AnthropicReplay:
    """Answers Messages API calls from a recording, in order: as an httpx2 transport handler
    (`client()`, for tests in this process) or as an ASGI app (`serve`, for a TaskFlow started
    with ANTHROPIC_BASE_URL pointing at it, as the browser tests do)."""

    def __init__(self, answers: list[dict[str, Any]]) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []

    def answer(
        self, path: str, headers: Mapping[str, str], content: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) of the next recorded answer to this request."""
        assert path == "/v1/messages", path
        key = headers.get("x-api-key") or headers.get("authorization", "")
        assert key.removeprefix("Bearer ") == API_KEY, "the SDK sends the configured API key"
        body = json.loads(content)
        self.requests.append(body)
        assert self.answers, f"no recorded answer left for request {len(self.requests)}"
        answer = self.answers.pop(0)
        request_id = {"request-id": f"req_011CT{len(self.requests):06d}replay"}
        json_type = {"content-type": "application/json", **request_id}
        sse_type = {"content-type": "text/event-stream", **request_id}
        if "error" in answer:
            error = json.dumps(answer["error"]).encode()
            return answer["status"], {**answer.get("headers", {}), **json_type}, error
        if "stream_error" in answer:
            # The API can fail after it has started a stream: an `error` event, status 200.
            start = stream_body(answer["message"]).split("event: content_block_start")[0]
            return 200, sse_type, (start + _sse("error", answer["stream_error"])).encode()
        if body.get("stream"):
            return 200, sse_type, stream_body(answer).encode()
        return 200, json_type, json.dumps(answer).encode()

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        status, headers, body = self.answer(request.url.path, request.headers, request.content)
        return httpx2.Response(status, headers=headers, content=body)

    def client(self, *, max_retries: int = 0) -> anthropic.AsyncAnthropic:
        transport = httpx2.MockTransport(self)
        return anthropic.AsyncAnthropic(
            api_key=API_KEY,
            max_retries=max_retries,
            http_client=httpx2.AsyncClient(transport=transport),
        )

    async def asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        content = b""
        while True:
            message = await receive()
            content += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            status, answer_headers, body = self.answer(scope["path"], headers, content)
        except AssertionError as exc:  # a request the recording did not expect
            status, answer_headers, body = 500, {"content-type": "text/plain"}, str(exc).encode()
        raw = [(k.encode(), v.encode()) for k, v in answer_headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})


def serve(argv: list[str] | None = None) -> None:
    """`python -m backend.testing.anthropic_replay RECORDING --port N`: the recording over HTTP
    (loops over it again when it runs out), for a TaskFlow run with
    ANTHROPIC_BASE_URL=http://127.0.0.1:N and ANTHROPIC_API_KEY=sk-ant-api03-replay."""
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(prog="anthropic_replay")
    parser.add_argument("recording")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    recorded = load_recording(args.recording)
    replay = AnthropicReplay(recorded)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if not replay.answers:
            replay.answers = list(recorded)
        await replay.asgi(scope, receive, send)

    print(f"anthropic replay of {args.recording} on 127.0.0.1:{args.port}", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    serve()
