#!/usr/bin/env python3
"""Tiny agent for agent-replay's own tests: one GET through the proxy, one artifact.

TINY_AGENT_MODE selects a behaviour: ok (default), exit3, forbidden (edits keep.txt),
extra (one unrecorded request), hang (forks a sleeping grandchild and sleeps).
"""
import json
import os
import sys
import time
import urllib.request

mode = os.environ.get("TINY_AGENT_MODE", "ok")
base = os.environ["ECHO_BASE_URL"]
workspace = os.environ["AGENT_REPLAY_WORKSPACE"]

with urllib.request.urlopen(base + "/echo?b=2&a=1", timeout=10) as response:
    answer = json.load(response)
if mode == "extra":
    try:
        urllib.request.urlopen(base + "/not-recorded", timeout=10)
    except Exception:
        pass
if mode == "forbidden":
    with open(os.path.join(workspace, "keep.txt"), "a") as keep:
        keep.write("changed\n")
if mode == "hang":
    if os.fork() == 0:
        time.sleep(600)
        os._exit(0)
    time.sleep(600)
with open(os.path.join(workspace, "out.json"), "w") as out:
    json.dump({"status": "ok", "echo": answer}, out)
print("tiny agent done")
sys.exit(3 if mode == "exit3" else 0)
