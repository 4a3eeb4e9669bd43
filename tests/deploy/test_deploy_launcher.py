"""resguardo-onion against a real tor (DisableNetwork 1): publish, reuse, exit codes."""

from __future__ import annotations

import os
import queue
import shutil
import stat
import subprocess
import sys
import threading
import time

import pytest

from deploy import onionkey, torctl
from deploy.torctl import ServiceSpec

from offline_tor import ROOT, needs_tor

pytestmark = [needs_tor, pytest.mark.live]


def published(tor) -> list[str]:
    controller = torctl.connect(tor.control)
    try:
        return torctl.detached_services(controller)
    finally:
        controller.close()


def svc_args(tmp_path, tor, *extra):
    return ["--service-dir", str(tmp_path / "svc"), "--control", tor.control, *extra]


def hostname(tmp_path) -> str:
    return (tmp_path / "svc" / "hostname").read_text().strip()


def stop_watcher(proc: subprocess.Popen, timeout: float = 20) -> int:
    """SIGTERM the watcher and return its exit code; if it has not exited after
    ``timeout`` s, SIGKILL it (so no process outlives the test) and fail."""
    proc.terminate()
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
        raise AssertionError(f"the watcher did not exit within {timeout} s of SIGTERM") from None
    finally:
        proc.stdout.close()


class Stderr:
    """A watcher's stderr, read line by line on a thread of its own as it prints them."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._stream = proc.stderr
        self._reader = threading.Thread(target=self._read, args=(proc.stderr,), daemon=True)
        self._reader.start()

    def _read(self, stream) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)  # end of file: the watcher exited

    def wait_for(self, text: str, count: int = 1, timeout: float = 60) -> None:
        """Block until ``count`` lines containing ``text`` are printed; AssertionError
        after ``timeout`` s or if the watcher exits first (naming what it printed)."""
        deadline = time.monotonic() + timeout
        while sum(text in line for line in self.lines) < count:
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {text!r} within {timeout} s: {self.lines}") from None
            if line is None:
                raise AssertionError(f"the watcher exited without {text!r}: {self.lines}")
            self.lines.append(line)

    def rest(self, timeout: float = 20) -> str:
        """Everything printed, once the watcher has exited (then its stderr is closed)."""
        self._reader.join(timeout)
        self._stream.close()
        while (line := self._queue.get_nowait() if not self._queue.empty() else None) is not None:
            self.lines.append(line)
        return "".join(self.lines)


def test_publish_prints_the_address_tor_serves(tor, launcher, tmp_path):
    result = launcher("publish", *svc_args(tmp_path, tor))
    assert result.returncode == 0, result.stderr
    address = hostname(tmp_path)
    assert result.stdout == address + "\n"
    assert published(tor) == [address.removesuffix(".onion")]
    assert stat.S_IMODE(os.stat(tmp_path / "svc" / "hs_ed25519_secret_key").st_mode) == 0o600
    assert launcher("check", *svc_args(tmp_path, tor)).returncode == 0


def test_persistent_key_gives_the_same_address_after_tor_restarts(tor, launcher, tmp_path):
    first = launcher("publish", *svc_args(tmp_path, tor))
    tor.restart()
    gone = launcher("check", *svc_args(tmp_path, tor))
    assert gone.returncode == 8
    second = launcher("publish", *svc_args(tmp_path, tor))
    assert (first.returncode, second.returncode) == (0, 0)
    assert second.stdout == first.stdout == hostname(tmp_path) + "\n"
    assert launcher("check", *svc_args(tmp_path, tor)).returncode == 0


def test_launcher_restart_replaces_its_own_detached_service(tor, launcher, tmp_path):
    first = launcher("publish", *svc_args(tmp_path, tor))
    second = launcher("publish", *svc_args(tmp_path, tor))
    assert (first.returncode, second.returncode) == (0, 0)
    assert published(tor) == [hostname(tmp_path).removesuffix(".onion")]


def test_pow_keywords_are_sent_and_validated_by_tor(tor, tmp_path):
    key, _ = onionkey.load_or_create(tmp_path / "svc")
    spec = ServiceSpec(key=key, target="127.0.0.1:8080")
    command = spec.add_onion_command()
    assert (" Flags=Detach,MaxStreamsCloseCircuit MaxStreams=32 PoWDefensesEnabled=1 PoWQueueRate=250"
            " PoWQueueBurst=2500 Port=80,127.0.0.1:8080") in command
    controller = torctl.connect(tor.control)
    try:
        # tor parses the keyword (an invalid value is refused), so it is not silently ignored
        bogus = controller.msg(command.replace("PoWDefensesEnabled=1", "PoWDefensesEnabled=7"))
        assert (bogus.is_ok(), bogus.content()[0][0]) == (False, "512")
        assert torctl.add_onion(controller, spec) is True
        assert torctl.detached_services(controller) == [key.service_id]
    finally:
        controller.close()
    assert "PoW" not in ServiceSpec(key=key, target="127.0.0.1:8080", pow_enabled=False).add_onion_command()


def test_client_auth_line_and_v3auth_publication(tor, launcher, tmp_path):
    assert launcher("init", "--service-dir", str(tmp_path / "svc")).returncode == 0
    added = launcher("client-auth", "add", "reviewer1", "--service-dir", str(tmp_path / "svc"))
    assert added.returncode == 0, added.stderr
    service_id = hostname(tmp_path).removesuffix(".onion")
    line = added.stdout.strip()
    assert line.startswith(f"{service_id}:descriptor:x25519:") and len(line) == 56 + 19 + 52
    listed = launcher("client-auth", "list", "--service-dir", str(tmp_path / "svc"))
    pub = (tmp_path / "svc" / "authorized_clients" / "reviewer1.auth").read_text().split(":")[2].strip()
    assert listed.stdout == f"reviewer1 descriptor:x25519:{pub}\n"
    key = onionkey.load(tmp_path / "svc")
    command = ServiceSpec(key=key, target="127.0.0.1:8080", client_keys=(pub,)).add_onion_command()
    assert " Flags=Detach,MaxStreamsCloseCircuit,V3Auth MaxStreams=32 " in command and command.endswith(f" ClientAuthV3={pub}")
    assert launcher("publish", *svc_args(tmp_path, tor)).returncode == 0
    assert published(tor) == [service_id]


def test_unix_socket_target_is_accepted(tor, launcher, tmp_path):
    result = launcher("publish", *svc_args(tmp_path, tor, "--target", "unix:/run/resguardo/gunicorn.sock"))
    assert result.returncode == 0, result.stderr


def test_watcher_republishes_the_same_address_after_tor_restart(tor, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "deploy.onion", "publish", "--watch", "--interval", "0.5",
         *svc_args(tmp_path, tor)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        first_line = proc.stdout.readline()
        assert first_line == hostname(tmp_path) + "\n"
        tor.restart()
        started = time.monotonic()
        while time.monotonic() - started < 60:
            if published(tor) == [hostname(tmp_path).removesuffix(".onion")]:
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        assert published(tor) == [hostname(tmp_path).removesuffix(".onion")]
        assert elapsed < 60
        print(f"offline-tor restart: re-published after {elapsed:.1f} s")
    finally:
        proc.terminate()
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate(timeout=10)
            raise AssertionError("the watcher did not exit within 20 s of SIGTERM") from None
    assert proc.returncode == 0
    assert "Traceback" not in err


def test_watcher_fails_loudly_when_tor_stays_down(tor, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "deploy.onion", "publish", "--watch", "--interval", "0.2",
         "--deadline", "1", *svc_args(tmp_path, tor)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    stderr = Stderr(proc)
    try:
        assert proc.stdout.readline() == hostname(tmp_path) + "\n"
        tor.stop()
        stderr.wait_for("resguardo-onion: error: onion service NOT PUBLISHED")  # after --deadline 1 s
    finally:
        code = stop_watcher(proc)
    assert code == 0
    assert "Traceback" not in stderr.rest()


# ---- one distinct exit code per failure, never a traceback ----

def assert_exit(result, code: int) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("resguardo-onion: error: ")


def test_tor_missing_exits_3(launcher, tmp_path):
    port = "127.0.0.1:9"  # discard port: nothing listens
    result = launcher("publish", "--service-dir", str(tmp_path / "svc"), "--control", port,
                      env={"PATH": str(tmp_path)})
    assert_exit(result, 3)


def test_control_port_refused_exits_4(launcher, tmp_path):
    if shutil.which("tor") is None:
        pytest.skip("tor is not installed (apt install tor)")
    result = launcher("publish", "--service-dir", str(tmp_path / "svc"), "--control", "127.0.0.1:9")
    assert_exit(result, 4)


def test_wrong_cookie_exits_5(tor, launcher, tmp_path):
    wrong = tmp_path / "wrong_cookie"
    wrong.write_bytes(os.urandom(32))
    assert_exit(launcher("publish", *svc_args(tmp_path, tor, "--cookie-file", str(wrong))), 5)
    missing = tmp_path / "no_such_cookie"
    assert_exit(launcher("publish", *svc_args(tmp_path, tor, "--cookie-file", str(missing))), 5)


def test_loose_key_permissions_exit_6_and_nothing_is_published(tor, launcher, tmp_path):
    assert launcher("init", "--service-dir", str(tmp_path / "svc")).returncode == 0
    os.chmod(tmp_path / "svc" / "hs_ed25519_secret_key", 0o644)
    assert_exit(launcher("publish", *svc_args(tmp_path, tor)), 6)
    assert published(tor) == []


def test_address_collision_exits_7(tor, launcher, tmp_path):
    key, _ = onionkey.load_or_create(tmp_path / "svc")
    holder = torctl.connect(tor.control)  # a non-detached service with our key, kept open
    try:
        assert holder.msg(f"ADD_ONION {key.add_onion_blob()} Port=80,127.0.0.1:9").is_ok()
        assert_exit(launcher("publish", *svc_args(tmp_path, tor)), 7)
    finally:
        holder.close()


def test_check_of_unpublished_service_exits_8(tor, launcher, tmp_path):
    assert launcher("init", "--service-dir", str(tmp_path / "svc")).returncode == 0
    assert_exit(launcher("check", *svc_args(tmp_path, tor)), 8)


def test_tor_refusing_the_service_exits_9(tor, launcher, tmp_path):
    assert_exit(launcher("publish", *svc_args(tmp_path, tor, "--virtual-port", "70000")), 9)


def test_malformed_key_exits_10(tor, launcher, tmp_path):
    assert launcher("init", "--service-dir", str(tmp_path / "svc")).returncode == 0
    (tmp_path / "svc" / "hs_ed25519_secret_key").write_bytes(b"not a key")
    assert_exit(launcher("publish", *svc_args(tmp_path, tor)), 10)


def test_non_loopback_target_exits_11(tor, launcher, tmp_path):
    assert_exit(launcher("publish", *svc_args(tmp_path, tor, "--target", "0.0.0.0:8080")), 11)


def test_watcher_republishes_when_clients_change(tor, launcher, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "deploy.onion", "publish", "--watch", "--interval", "0.2",
         *svc_args(tmp_path, tor)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    stderr = Stderr(proc)
    try:
        address = proc.stdout.readline().strip()
        added = launcher("client-auth", "add", "staff1", "--service-dir", str(tmp_path / "svc"))
        assert added.returncode == 0
        line = f"resguardo-onion: notice: re-publishing {address}"
        stderr.wait_for(line)
        # The line comes before the DEL_ONION and ADD_ONION it announces; the next one only
        # after they returned (tor refusing them ends the watcher; a lost connection is a
        # "lost tor" warning, asserted absent below).
        assert launcher("client-auth", "add", "staff2", "--service-dir", str(tmp_path / "svc")).returncode == 0
        stderr.wait_for(line, count=2)
        deadline = time.monotonic() + 60  # the second re-publication may be under way
        while published(tor) != [address.removesuffix(".onion")] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert published(tor) == [address.removesuffix(".onion")]
    finally:
        stop_watcher(proc)
    printed = stderr.rest().splitlines()
    assert [text for text in printed if "re-publishing" in text] == [line, line]
    assert not [text for text in printed if "lost tor" in text or "Traceback" in text]
