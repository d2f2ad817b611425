#!/usr/bin/env python3
"""Deterministic example "research agent" used by agent-replay fixtures.

The agent:
  1. reads ``task.json`` ({"topic": ..., "model": ...}) from the workspace,
  2. POSTs ``{"q": topic, "limit": 3}`` to ``$SEARCH_BASE_URL/query``,
  3. reads every hit's ``path`` (relative to the workspace, utf-8),
  4. POSTs an OpenAI-shaped chat request to
     ``$MODEL_BASE_URL/v1/chat/completions`` (temperature 0),
  5. atomically writes ``report.json``:
     {"status": "done", "topic": ..., "summary": ..., "evidence": [paths]}.

Workspace: ``--workspace DIR``, else ``$AGENT_REPLAY_WORKSPACE``, else cwd.

Exit codes: 0 success; 2 usage/configuration error (missing env var,
unknown bug name); 3 HTTP status >= 400 or network error on the search or
model call.

Failure switches (``--bug NAME`` or ``$RESEARCH_AGENT_BUG=NAME``; the command
line wins). Each one introduces exactly one class of failure and otherwise
behaves like the fixed agent:

  missing_artifact  does everything but never writes report.json; exit 0.
  empty_output      writes report.json as an empty (0-byte) file; exit 0.
  bad_schema        report.json omits "status" and "evidence" is a
                    comma-joined string instead of an array; exit 0.
  touch_forbidden   appends "\\n(annotated by agent)\\n" to the first source
                    file it read; otherwise normal; exit 0.
  extra_call        additionally GETs $SEARCH_BASE_URL/stats after the search
                    ("telemetry") and ignores any error from it; exit 0.
  hang              after the model call, forks a grandchild that sleeps
                    600 s, then sleeps 600 s itself; writes nothing.
  no_retry          gives up at the first 429/5xx, reset or broken response
                    instead of retrying with backoff; exit 3.

Retries (fixed agent): a 429, 502, 503 or 504, a dropped connection or an
unparseable response is retried up to 3 more times, waiting Retry-After
(at most 2 s) or 0.1 s, 0.2 s, 0.4 s.
"""

import argparse
import http.client
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request

BUGS = (
    "missing_artifact",
    "empty_output",
    "bad_schema",
    "touch_forbidden",
    "extra_call",
    "hang",
    "no_retry",
)
RETRYABLE_STATUSES = (429, 502, 503, 504)
MAX_ATTEMPTS = 4

SYSTEM_PROMPT = "You write short research summaries and cite sources."
SEARCH_LIMIT = 3
HTTP_TIMEOUT_SECONDS = 10


class AgentError(Exception):
    """A failure that ends the run with a message and an exit code."""

    retryable = False
    retry_after = None

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------
# Request bodies (pure functions; fixture cassettes are built from these)
# --------------------------------------------------------------------------

def build_search_body(topic):
    """JSON body for POST {SEARCH_BASE_URL}/query."""
    return {"q": topic, "limit": SEARCH_LIMIT}


def build_user_message(topic, sources):
    """User prompt from the topic and [(path, text), ...] in hit order."""
    blocks = ["[%s]\n%s" % (path, text) for path, text in sources]
    return "Topic: %s\n\n" % topic + "\n\n".join(blocks)


def build_model_body(model, topic, sources):
    """JSON body for POST {MODEL_BASE_URL}/v1/chat/completions."""
    return {
        "model": model,
        "temperature": 0,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": build_user_message(topic, sources)},
        ],
    }


def build_report(topic, summary, evidence):
    """The report.json document written by the fixed agent."""
    return {
        "status": "done",
        "topic": topic,
        "summary": summary,
        "evidence": list(evidence),
    }


# --------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", help="workspace directory")
    parser.add_argument("--bug", help="failure switch (see module docstring)")
    return parser.parse_args(argv)


def resolve_workspace(args):
    return args.workspace or os.environ.get("AGENT_REPLAY_WORKSPACE") or os.getcwd()


def resolve_bug(args):
    bug = args.bug or os.environ.get("RESEARCH_AGENT_BUG") or None
    if bug is not None and bug not in BUGS:
        raise AgentError(
            "unknown bug %r (expected one of: %s)" % (bug, ", ".join(BUGS)), 2)
    return bug


def require_env(name):
    value = os.environ.get(name)
    if not value:
        raise AgentError("environment variable %s is not set" % name, 2)
    return value.rstrip("/")


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------

def http_request(method, url, body=None):
    """Send a request; return (status, parsed JSON or None). Raises AgentError(3)."""
    data = None
    headers = {}
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        headers["content-type"] = "application/json"
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT_SECONDS) as resp:
            status = resp.status
            raw = resp.read()
    except urllib.error.HTTPError as exc:
        error = AgentError("%s %s failed: HTTP status %d" % (method, url, exc.code), 3)
        error.retryable = exc.code in RETRYABLE_STATUSES
        error.retry_after = exc.headers.get("Retry-After") if exc.headers else None
        raise error
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        error = AgentError("%s %s failed: network error: %s" % (method, url, exc), 3)
        error.retryable = True
        raise error
    if status >= 400:
        raise AgentError("%s %s failed: HTTP status %d" % (method, url, status), 3)
    try:
        return status, (json.loads(raw.decode("utf-8")) if raw else None)
    except ValueError as exc:
        error = AgentError("%s %s: invalid JSON response (status %d): %s"
                           % (method, url, status, exc), 3)
        error.retryable = True
        raise error


def backoff_seconds(error, attempt):
    """Retry-After when the server gave one (capped), else exponential backoff."""
    try:
        return min(float(error.retry_after), 2.0)
    except (TypeError, ValueError):
        return 0.1 * (2 ** attempt)


def http_request_with_retries(method, url, body=None, bug=None):
    """http_request, retrying transient failures (the no_retry bug does not)."""
    attempts = 1 if bug == "no_retry" else MAX_ATTEMPTS
    for attempt in range(attempts):
        try:
            return http_request(method, url, body)
        except AgentError as error:
            if not error.retryable or attempt + 1 == attempts:
                raise
            time.sleep(backoff_seconds(error, attempt))


def search(search_base, topic, bug=None):
    """Step 1: returns the list of hit paths."""
    _, payload = http_request_with_retries("POST", search_base + "/query", build_search_body(topic), bug)
    hits = (payload or {}).get("hits", [])
    return [hit["path"] for hit in hits]


def send_telemetry(search_base):
    """extra_call bug: an unrecorded GET whose outcome is ignored."""
    try:
        http_request("GET", search_base + "/stats")
    except AgentError:
        pass


def complete(model_base, model, topic, sources, bug=None):
    """Step 3: returns choices[0].message.content."""
    url = model_base + "/v1/chat/completions"
    _, payload = http_request_with_retries("POST", url, build_model_body(model, topic, sources), bug)
    try:
        return payload["choices"][0]["message"]["content"]
    except (TypeError, KeyError, IndexError):
        raise AgentError("POST %s: response has no choices[0].message.content" % url, 3)


# --------------------------------------------------------------------------
# Workspace files
# --------------------------------------------------------------------------

def read_task(workspace):
    with open(os.path.join(workspace, "task.json"), encoding="utf-8") as fh:
        task = json.load(fh)
    return task["topic"], task["model"]


def read_sources(workspace, paths):
    """Step 2: [(path, text), ...] in hit order."""
    sources = []
    for path in paths:
        with open(os.path.join(workspace, path), encoding="utf-8") as fh:
            sources.append((path, fh.read()))
    return sources


def annotate_source(workspace, path):
    """touch_forbidden bug: mutate an input file."""
    with open(os.path.join(workspace, path), "a", encoding="utf-8") as fh:
        fh.write("\n(annotated by agent)\n")


def write_atomically(path, text):
    """Write text to a temp file in the same directory, then os.replace."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def render_report(topic, summary, evidence, bug):
    """Serialized report.json content (possibly broken by a bug switch)."""
    if bug == "empty_output":
        return ""
    report = build_report(topic, summary, evidence)
    if bug == "bad_schema":
        del report["status"]
        report["evidence"] = ",".join(evidence)
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def hang_forever():
    """hang bug: leave a background grandchild behind and never finish."""
    sys.stdout.flush()
    sys.stderr.flush()
    if os.fork() == 0:
        time.sleep(600)
        os._exit(0)
    time.sleep(600)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def run(argv):
    args = parse_args(argv)
    bug = resolve_bug(args)
    workspace = resolve_workspace(args)
    search_base = require_env("SEARCH_BASE_URL")
    model_base = require_env("MODEL_BASE_URL")

    topic, model = read_task(workspace)
    paths = search(search_base, topic, bug)
    if bug == "extra_call":
        send_telemetry(search_base)
    sources = read_sources(workspace, paths)
    summary = complete(model_base, model, topic, sources, bug)

    if bug == "hang":
        hang_forever()
        return 0
    if bug == "touch_forbidden" and paths:
        annotate_source(workspace, paths[0])
    if bug == "missing_artifact":
        return 0
    write_atomically(os.path.join(workspace, "report.json"),
                     render_report(topic, summary, paths, bug))
    return 0


def main():
    try:
        return run(sys.argv[1:])
    except AgentError as exc:
        print("research_agent: %s" % exc, file=sys.stderr)
        return exc.code


if __name__ == "__main__":
    sys.exit(main())
