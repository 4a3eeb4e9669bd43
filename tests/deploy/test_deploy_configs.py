"""The configuration files in deploy/: gunicorn, torrc template, systemd units."""

from __future__ import annotations

import runpy
import shutil
import subprocess
from pathlib import Path

import pytest

from offline_tor import needs_tor

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DEBIAN_DEFAULTS = Path("/usr/share/tor/tor-service-defaults-torrc")


def directives(path: Path) -> list[tuple[str, str]]:
    """``(key, value)`` for each non-comment ``Key value`` / ``Key=value`` line, in order."""
    pairs = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "[")):
            continue
        sep = "=" if path.suffix in (".service", ".timer") else " "
        key, _, value = line.partition(sep)
        pairs.append((key.strip(), value.strip()))
    return pairs


def test_gunicorn_production_settings(monkeypatch):
    for name in ("RESGUARDO_BIND", "RESGUARDO_TIMEOUT", "RESGUARDO_WORKERS", "RESGUARDO_WORKER_CONNECTIONS"):
        monkeypatch.delenv(name, raising=False)
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert conf["bind"] == ["127.0.0.1:8080"]
    # gevent: slow connections are greenlets, not threads (deploy/worker.py)
    assert conf["worker_class"] == "deploy.worker.ResguardoWorker"
    assert (conf["workers"], conf["worker_connections"]) == (2, 1000)
    assert conf["timeout"] == 120  # the heartbeat only; slow uploads are bounded by rate, not by this
    assert conf["keepalive"] == 20
    assert conf["accesslog"] is None
    assert conf["forwarded_allow_ips"] == ""


def test_gunicorn_bind_from_environment(monkeypatch):
    monkeypatch.setenv("RESGUARDO_BIND", "unix:/run/resguardo/gunicorn.sock")
    assert runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))["bind"] == ["unix:/run/resguardo/gunicorn.sock"]


def test_torrc_template_settings():
    conf = dict(directives(DEPLOY / "torrc.template"))
    assert conf["SocksPort"] == "0"
    assert conf["SafeLogging"] == "1"
    assert conf["CookieAuthentication"] == "1"
    assert conf["ControlSocket"] == "/run/tor/control GroupWritable RelaxDirModeCheck"
    assert "ControlPort" not in conf and "HiddenServiceDir" not in conf


@needs_tor
def test_torrc_template_is_valid_for_tor(tmp_path):
    empty = tmp_path / "empty"
    empty.write_text("")
    defaults = DEBIAN_DEFAULTS if DEBIAN_DEFAULTS.exists() else empty
    result = subprocess.run(["tor", "--verify-config", "--defaults-torrc", str(defaults),
                             "-f", str(DEPLOY / "torrc.template")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert "Configuration was valid" in result.stdout


@pytest.mark.parametrize("unit,user", [("resguardo-web.service", "resguardo"),
                                       ("resguardo-onion.service", "resguardo-onion")])
def test_units_are_sandboxed_and_use_separate_users(unit, user):
    pairs = directives(DEPLOY / "systemd" / unit)
    conf = dict(pairs)
    assert conf["User"] == user
    for key, value in [("ProtectSystem", "strict"), ("PrivateTmp", "yes"),
                       ("NoNewPrivileges", "yes"), ("ProtectHome", "yes"),
                       ("CapabilityBoundingSet", ""), ("IPAddressDeny", "any"),
                       ("IPAddressAllow", "localhost")]:
        assert conf[key] == value, key


def test_web_unit_writes_only_its_data_dir_and_cannot_see_the_onion_key():
    conf = dict(directives(DEPLOY / "systemd" / "resguardo-web.service"))
    assert conf["ReadWritePaths"] == "/var/lib/resguardo"
    assert conf["InaccessiblePaths"] == "-/var/lib/resguardo-onion -/var/lib/tor"
    assert conf["MemorySwapMax"] == "0"


def test_onion_unit_does_not_restart_on_configuration_errors():
    conf = dict(directives(DEPLOY / "systemd" / "resguardo-onion.service"))
    assert conf["RestartPreventExitStatus"] == "6 10 11"
    assert conf["SupplementaryGroups"] == "debian-tor"
    assert conf["InaccessiblePaths"] == "-/var/lib/resguardo"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_units_pass_systemd_analyze(tmp_path):
    units = sorted((DEPLOY / "systemd").iterdir())
    result = subprocess.run(["systemd-analyze", "verify", *map(str, units)],
                            capture_output=True, text=True)
    problems = [line for line in result.stderr.splitlines()
                if line and "is not executable" not in line and "/opt/resguardo" not in line]
    assert problems == []


def test_web_unit_has_a_memory_ceiling_that_spares_tor():
    conf = dict(directives(DEPLOY / "systemd" / "resguardo-web.service"))
    assert (conf["MemoryHigh"], conf["MemoryMax"], conf["MemorySwapMax"]) == ("768M", "1G", "0")
    assert int(conf["OOMScoreAdjust"]) > 0  # the web app, never tor, is the OOM killer's choice


def test_the_worker_quits_once_on_ctrl_c_and_the_arbiters_sigquit(monkeypatch):
    """Ctrl-C on ``scripts/run.sh`` reaches each worker twice (its own SIGINT,
    then the arbiter's SIGQUIT): the worker begins quitting once. Each second
    exit, run while the interpreter was shutting down, printed a
    ``SystemExit: 0`` traceback per worker."""
    import signal

    from gunicorn.workers.ggevent import GeventWorker

    from deploy.worker import ResguardoWorker

    began = []
    monkeypatch.setattr(GeventWorker, "handle_quit", lambda self, sig, frame: began.append(sig))
    worker = ResguardoWorker.__new__(ResguardoWorker)
    worker.handle_quit(signal.SIGINT, None)
    worker.handle_quit(signal.SIGQUIT, None)
    assert began == [signal.SIGINT]
    assert ResguardoWorker._quitting is False  # per worker, not shared by the class
