#!/usr/bin/env python3
"""Deterministic example "research agent" used by agent-replay fixtures.

The agent:
  1. reads ``task.json`` ({"topic": ..., "model": ..., optionally
     "notes_file": "notes/log.md"}) from the workspace,
  2. POSTs ``{"q": topic, "limit": 3}`` to ``$SEARCH_BASE_URL/query``;
     when the search finds nothing it stops and escalates (below),
  3. reads every hit's ``path`` (relative to the workspace, utf-8),
  4. POSTs an OpenAI-shaped chat request to
     ``$MODEL_BASE_URL/v1/chat/completions`` (temperature 0),
  5. atomically writes ``report.json``:
     {"status": "done", "topic": ..., "summary": ..., "evidence": [paths]},
  6. when the task names a ``notes_file`` (a file of the workspace), appends
     one line to it: ``- <topic>: report.json (<n> sources)``,
  7. when ``$PUBLISH_BASE_URL`` is set, POSTs ``{"topic", "summary"}`` to
     ``$PUBLISH_BASE_URL/posts`` with an ``Idempotency-Key`` header (the
     sha256 of the topic), so a retried publish is the same post.

Escalation: with zero search hits there is nothing to ground a report on, so
the agent appends ``{"type": "blocked", "reason": ...}`` as a JSON line to the
file named by ``$AGENT_REPLAY_EVENTS`` (when set), writes no report and
exits 0.

Workspace: ``--workspace DIR``, else ``$AGENT_REPLAY_WORKSPACE``, else cwd.

Exit codes: 0 success (or escalated); 2 usage/configuration error (missing
env var, unknown bug name); 3 HTTP status >= 400 or network error on the
search, model or publish call.

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
  no_citations      strips the "[sources/...]" citations from the model's
                    summary before writing report.json; exit 0.
  fake_evidence     adds "sources/vendor_whitepaper.txt", a source the search
                    never returned, to the report's evidence; exit 0.
  rewrite_notes     replaces the whole notes_file with its one new line
                    instead of appending it; exit 0.
  use_web           also POSTs {"q": topic} to $WEB_BASE_URL/search (a web
                    tool the deployment does not allow) and only logs the
                    number of results; exit 0.
  skip_search       never calls the search tool and asks the model without
                    sources (no escalation: it never saw an empty search);
                    writes a report with no evidence; exit 0.
  model_first       asks the model (without sources) before searching, then
                    searches and cites the hits under that ungrounded
                    summary; exit 0.
  paginate          also fetches search pages 2 and 3 (the search body with
                    "page": 2 / 3) and adds their new hits; exit 0.
  loop              repeats the identical search call 4 more times before
                    going on with the first results; exit 0.
  verbose_model     asks the model for an exhaustive answer (a longer system
                    prompt and "max_tokens": 4000); exit 0.
  no_idempotency_key  publishes without the Idempotency-Key header, so a
                    retried publish is a second post; exit 0.
  publish_draft     POSTs the publish body to $PUBLISH_BASE_URL/drafts instead
                    of /posts, once, ignoring the answer; exit 0.
  crash_on_exit     does everything, then dies by SIGABRT (os.abort()).
  invent_answer     with zero search hits, asks the model anyway and writes
                    a report instead of escalating; exit 0.

Retries (fixed agent): a 429, 502, 503 or 504, a dropped connection or an
unparseable response is retried up to 3 more times, waiting Retry-After
(at most 2 s) or 0.1 s, 0.2 s, 0.4 s.
"""

import argparse
import hashlib
import http.client
import json
import os
import re
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
    "no_citations",
    "fake_evidence",
    "rewrite_notes",
    "use_web",
    "skip_search",
    "model_first",
    "paginate",
    "loop",
    "verbose_model",
    "no_idempotency_key",
    "publish_draft",
    "crash_on_exit",
    "invent_answer",
)
RETRYABLE_STATUSES = (429, 502, 503, 504)
MAX_ATTEMPTS = 4

SYSTEM_PROMPT = "You write short research summaries and cite sources."
VERBOSE_SYSTEM_PROMPT = (SYSTEM_PROMPT + " Be exhaustive: cover every finding, caveat and number"
                         " in the sources at length.")
VERBOSE_MAX_TOKENS = 4000
SEARCH_LIMIT = 3
EXTRA_SEARCH_PAGES = (2, 3)
LOOP_REPEATS = 4
FAKE_EVIDENCE_PATH = "sources/vendor_whitepaper.txt"
CITATION_PATTERN = re.compile(r"\s*\[sources/[^\]]+\]")
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

def build_search_body(topic, page=None):
    """JSON body for POST {SEARCH_BASE_URL}/query (page: paginate bug only)."""
    body = {"q": topic, "limit": SEARCH_LIMIT}
    if page is not None:
        body["page"] = page
    return body


def build_web_body(topic):
    """JSON body for POST {WEB_BASE_URL}/search (use_web bug only)."""
    return {"q": topic}


def build_user_message(topic, sources):
    """User prompt from the topic and [(path, text), ...] in hit order."""
    blocks = ["[%s]\n%s" % (path, text) for path, text in sources]
    return "Topic: %s\n\n" % topic + "\n\n".join(blocks)


def build_model_body(model, topic, sources, verbose=False):
    """JSON body for POST {MODEL_BASE_URL}/v1/chat/completions (verbose: verbose_model bug)."""
    body = {
        "model": model,
        "temperature": 0,
        "messages": [
            {"role": "system", "content": VERBOSE_SYSTEM_PROMPT if verbose else SYSTEM_PROMPT},
            {"role": "user", "content": build_user_message(topic, sources)},
        ],
    }
    if verbose:
        body["max_tokens"] = VERBOSE_MAX_TOKENS
    return body


def build_publish_body(topic, summary):
    """JSON body for POST {PUBLISH_BASE_URL}/posts."""
    return {"topic": topic, "summary": summary}


def idempotency_key(topic):
    """The Idempotency-Key of the publish call: the same topic is the same post."""
    return hashlib.sha256(topic.encode("utf-8")).hexdigest()


def build_notes_line(topic, evidence):
    """The line appended to the task's notes_file."""
    return "- %s: report.json (%d sources)\n" % (topic, len(evidence))


def build_blocked_event(topic):
    """The event that declares the run blocked (zero search hits)."""
    return {"type": "blocked",
            "reason": "the search found no sources for %r; a human must supply them" % topic}


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

def http_request(method, url, body=None, extra_headers=None):
    """Send a request; return (status, parsed JSON or None). Raises AgentError(3)."""
    data = None
    headers = dict(extra_headers or {})
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


def http_request_with_retries(method, url, body=None, bug=None, extra_headers=None):
    """http_request, retrying transient failures (the no_retry bug does not)."""
    attempts = 1 if bug == "no_retry" else MAX_ATTEMPTS
    for attempt in range(attempts):
        try:
            return http_request(method, url, body, extra_headers)
        except AgentError as error:
            if not error.retryable or attempt + 1 == attempts:
                raise
            time.sleep(backoff_seconds(error, attempt))


def search(search_base, topic, bug=None, page=None):
    """Step 1: returns the list of hit paths."""
    _, payload = http_request_with_retries("POST", search_base + "/query", build_search_body(topic, page), bug)
    hits = (payload or {}).get("hits", [])
    return [hit["path"] for hit in hits]


def search_extra_pages(search_base, topic, paths, bug):
    """paginate bug: pages 2 and 3 as well, adding hits not seen yet."""
    paths = list(paths)
    for page in EXTRA_SEARCH_PAGES:
        for path in search(search_base, topic, bug, page):
            if path not in paths:
                paths.append(path)
    return paths


def web_lookup(web_base, topic, bug):
    """use_web bug: a call to a tool outside the allow-list."""
    _, payload = http_request_with_retries("POST", web_base + "/search", build_web_body(topic), bug)
    results = (payload or {}).get("results", [])
    print("research_agent: web search found %d result(s)" % len(results), file=sys.stderr)


def send_telemetry(search_base):
    """extra_call bug: an unrecorded GET whose outcome is ignored."""
    try:
        http_request("GET", search_base + "/stats")
    except AgentError:
        pass


def complete(model_base, model, topic, sources, bug=None):
    """Step 3: returns choices[0].message.content."""
    url = model_base + "/v1/chat/completions"
    body = build_model_body(model, topic, sources, verbose=bug == "verbose_model")
    _, payload = http_request_with_retries("POST", url, body, bug)
    try:
        return payload["choices"][0]["message"]["content"]
    except (TypeError, KeyError, IndexError):
        raise AgentError("POST %s: response has no choices[0].message.content" % url, 3)


def publish(publish_base, topic, summary, bug=None):
    """Step 7: one post per topic, retries included (same Idempotency-Key)."""
    body = build_publish_body(topic, summary)
    if bug == "publish_draft":
        try:
            http_request("POST", publish_base + "/drafts", body)
        except AgentError:
            pass
        return
    headers = {} if bug == "no_idempotency_key" else {"Idempotency-Key": idempotency_key(topic)}
    http_request_with_retries("POST", publish_base + "/posts", body, bug, headers)


# --------------------------------------------------------------------------
# Workspace files
# --------------------------------------------------------------------------

def read_task(workspace):
    """(topic, model, notes_file or None) from task.json."""
    with open(os.path.join(workspace, "task.json"), encoding="utf-8") as fh:
        task = json.load(fh)
    return task["topic"], task["model"], task.get("notes_file")


def read_sources(workspace, paths):
    """Step 2: [(path, text), ...] in hit order."""
    sources = []
    for path in paths:
        with open(os.path.join(workspace, path), encoding="utf-8") as fh:
            sources.append((path, fh.read()))
    return sources


def update_notes(workspace, notes_file, line, bug):
    """Step 6: append one line (the rewrite_notes bug replaces the file)."""
    path = os.path.join(workspace, notes_file)
    if bug == "rewrite_notes":
        write_atomically(path, line)
        return
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line)


def escalate(topic):
    """Declare the run blocked: a JSON line in $AGENT_REPLAY_EVENTS."""
    event = build_blocked_event(topic)
    events = os.environ.get("AGENT_REPLAY_EVENTS")
    if events:
        with open(events, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(event) + "\n")
    print("research_agent: blocked: %s" % event["reason"], file=sys.stderr)


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
    if bug == "no_citations":
        summary = CITATION_PATTERN.sub("", summary)
    if bug == "fake_evidence":
        evidence = list(evidence) + [FAKE_EVIDENCE_PATH]
    report = build_report(topic, summary, evidence)
    if bug == "bad_schema":
        del report["status"]
        report["evidence"] = ",".join(evidence)
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def crash():
    """crash_on_exit bug: die by SIGABRT (no core file left in the workspace)."""
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass
    os.abort()


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
    publish_base = os.environ.get("PUBLISH_BASE_URL", "").rstrip("/") or None
    web_base = require_env("WEB_BASE_URL") if bug == "use_web" else None

    topic, model, notes_file = read_task(workspace)
    draft = None
    if bug == "model_first":
        draft = complete(model_base, model, topic, [], bug)
    if bug == "skip_search":
        paths = []
    else:
        paths = search(search_base, topic, bug)
        if bug == "loop":
            for _ in range(LOOP_REPEATS):
                search(search_base, topic, bug)
        if bug == "paginate":
            paths = search_extra_pages(search_base, topic, paths, bug)
        if not paths and bug != "invent_answer":
            escalate(topic)
            return 0
    if bug == "extra_call":
        send_telemetry(search_base)
    if bug == "use_web":
        web_lookup(web_base, topic, bug)
    sources = read_sources(workspace, paths)
    summary = draft if draft is not None else complete(model_base, model, topic, sources, bug)

    if bug == "hang":
        hang_forever()
        return 0
    if bug == "touch_forbidden" and paths:
        annotate_source(workspace, paths[0])
    if bug == "missing_artifact":
        return 0
    write_atomically(os.path.join(workspace, "report.json"),
                     render_report(topic, summary, paths, bug))
    if notes_file:
        update_notes(workspace, notes_file, build_notes_line(topic, paths), bug)
    if publish_base:
        publish(publish_base, topic, summary, bug)
    if bug == "crash_on_exit":
        crash()
    return 0


def main():
    try:
        return run(sys.argv[1:])
    except AgentError as exc:
        print("research_agent: %s" % exc, file=sys.stderr)
        return exc.code


if __name__ == "__main__":
    sys.exit(main())
