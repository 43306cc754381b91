"""Ordinal container supervisor ("shim"): runs one instance of one container and outlives the node agent.

Usage: python3 shim.py <spec.json>

It starts the container's command in its own session (so its own process group), sends the
command's stdout and stderr to the log file, and waits for it. While it waits it reads the node
agent's heartbeat file, which holds the wall-clock time (epoch seconds) at which the agent last
started a successful renewal of its node Lease. When that is older than the fencing window, or
the file is missing, the agent is gone or cut off: the shim kills the whole process group at once,
so no pod outlives the window without a live agent. When the command exits the shim kills what
is left of its group, writes the exit file and ends.

Every start and stop is appended to the events file (one line each, written with O_APPEND):
    <epoch-ns> STARTING <identity> uid=<uid> node=<node> instance=<n>
    <epoch-ns> STOPPED <identity> uid=<uid> node=<node> instance=<n> exit=<code> reason=<reason>
STARTING is written before the process exists and STOPPED after its whole group is dead, so the
recorded intervals contain the real ones: overlapping intervals of one identity would show a
violation of "at most one running process per pod identity".
"""
import json
import os
import signal
import subprocess
import sys
import time


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def record(spec, what, extra=""):
    line = "%d %s %s uid=%s node=%s instance=%d%s\n" % (
        time.time_ns(), what, spec["identity"], spec["uid"], spec["node"], spec["instance"], extra)
    fd = os.open(spec["events"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def heartbeat_age(path):
    try:
        with open(path) as f:
            return time.time() - float(f.read().strip())
    except (OSError, ValueError):
        return None


def kill_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return False


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def main():
    spec = json.load(open(sys.argv[1]))
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    fence = float(spec["fenceAfterSeconds"])
    age = heartbeat_age(spec["heartbeat"])
    if age is None or age > fence:
        write_atomic(spec["exitFile"], json.dumps({"exitCode": 137, "signal": 9, "reason": "Fenced",
                     "message": "the node agent's Lease was not renewed within %ss; not started" % spec["fenceAfterSeconds"],
                     "finishedAt": int(time.time() * 1000)}))
        return
    record(spec, "STARTING")
    log = open(spec["log"], "ab", buffering=0)
    try:
        proc = subprocess.Popen(spec["argv"], env=spec["env"], cwd=spec.get("cwd") or None,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    except OSError as e:
        write_atomic(spec["exitFile"], json.dumps({"exitCode": 128, "signal": 0, "reason": "StartError",
                     "message": "cannot run %s: %s" % (spec["argv"][0], e.strerror), "finishedAt": int(time.time() * 1000)}))
        record(spec, "STOPPED", " exit=128 reason=StartError")
        return
    pgid = proc.pid
    write_atomic(spec["pidFile"], "%d\n" % pgid)
    started_ms = int(time.time() * 1000)
    fenced = None
    while True:
        try:
            rc = proc.wait(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            pass
        age = heartbeat_age(spec["heartbeat"])
        if fenced is None and (age is None or age > fence):
            fenced = ("the node agent's Lease was not renewed for %.1fs (fencing window %ss): killed the container"
                      % (age if age is not None else -1, spec["fenceAfterSeconds"]))
            log.write(("[ordinal-shim] %s\n" % fenced).encode())
            kill_group(pgid, signal.SIGKILL)
    # The command is gone; nothing of its group may outlive it (as when a pid namespace's init dies).
    kill_group(pgid, signal.SIGKILL)
    deadline = time.time() + 5
    while group_alive(pgid) and time.time() < deadline:
        time.sleep(0.01)
    sig = -rc if rc < 0 else 0
    code = 128 + sig if rc < 0 else rc
    if fenced:
        reason = "Fenced"
    elif code == 0:
        reason = "Completed"
    else:
        reason = "Error"
    record(spec, "STOPPED", " exit=%d reason=%s" % (code, reason))
    try:
        write_atomic(spec["exitFile"], json.dumps({"exitCode": code, "signal": sig, "reason": reason,
                     "message": fenced or "", "startedAt": started_ms, "finishedAt": int(time.time() * 1000)}))
    except OSError:
        pass  # the agent removed the pod's directory meanwhile (the pod is gone)


if __name__ == "__main__":
    main()
