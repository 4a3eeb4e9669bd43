"""``resguardo-onion``: publish Resguardo as a persistent v3 onion service.

Commands (all take ``--service-dir``, default ``/var/lib/resguardo-onion/public``)::

    resguardo-onion init                      make the key (0600) and print the address
    resguardo-onion publish [--watch]         publish via tor's control port, print address
                  [--require-client-auth]     ... only while a client is authorized (staff-only services)
    resguardo-onion check [--require-descriptor]   health check: exit 0 or 8
    resguardo-onion unpublish                 take the service down until next publish
    resguardo-onion client-auth add NAME      new reviewer credential (prints Tor Browser line)
    resguardo-onion client-auth list | remove NAME

Output rules: the address or credential goes to stdout (one line, for
scripts); diagnostics go to stderr as ``resguardo-onion: <level>: <text>``.
Never a traceback: each failure has its own exit code (see
:mod:`deploy.errors`): 3 tor missing, 4 control port refused, 5 cookie
rejected, 6 key permissions, 7 address collision, 8 not published, 9 tor
refused, 10 key file, 11 bad option.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import stem

from deploy import clientauth, onionkey, torctl
from deploy.errors import EXIT_INTERNAL, EXIT_OK, ConfigError, LauncherError, NotPublishedError
from deploy.torctl import ServiceSpec
from deploy.watch import Watcher, publish, say

DEFAULT_SERVICE_DIR = "/var/lib/resguardo-onion/public"
DEFAULT_TARGET = "127.0.0.1:8080"


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--service-dir", type=Path,
                        default=Path(os.environ.get("RESGUARDO_ONION_DIR", DEFAULT_SERVICE_DIR)),
                        help="directory holding the onion key (0700; default %(default)s)")
    tor = argparse.ArgumentParser(add_help=False)
    tor.add_argument("--control", default=os.environ.get("RESGUARDO_TOR_CONTROL",
                                                         torctl.DEFAULT_CONTROL),
                     help="tor control port HOST:PORT or unix:/path (default %(default)s)")
    tor.add_argument("--cookie-file", type=Path, default=None,
                     help="control auth cookie (default: the path tor announces)")

    parser = argparse.ArgumentParser(
        prog="resguardo-onion",
        description="Publish Resguardo as a persistent v3 onion service through tor's control port.",
        epilog="exit codes: 3 tor missing, 4 control refused, 5 cookie rejected, 6 key "
               "permissions, 7 address collision, 8 not published, 9 tor refused, "
               "10 key file, 11 bad option")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", parents=[common], help="create the onion key, print the address")

    pub = sub.add_parser("publish", parents=[common, tor], help="publish the onion service")
    pub.add_argument("--target", default=os.environ.get("RESGUARDO_ONION_TARGET", DEFAULT_TARGET),
                     help="where gunicorn listens: 127.0.0.1:PORT or unix:/path")
    pub.add_argument("--virtual-port", type=int, default=80)
    pub.add_argument("--no-pow", action="store_true", help="turn proof-of-work defence off")
    pub.add_argument("--pow-queue-rate", type=int, default=250)
    pub.add_argument("--pow-queue-burst", type=int, default=2500)
    pub.add_argument("--require-client-auth", action="store_true",
                     help="refuse to publish while no client is authorized (for staff-only services)")
    pub.add_argument("--watch", action="store_true",
                     help="keep running; re-publish whenever tor restarts")
    pub.add_argument("--interval", type=float, default=2.0, help="watch poll, seconds")
    pub.add_argument("--deadline", type=float, default=60.0,
                     help="log errors when unpublished longer than this, seconds")

    check = sub.add_parser("check", parents=[common, tor], help="exit 0 if published, else 8")
    check.add_argument("--require-descriptor", action="store_true",
                       help="also require that tor has built the service descriptor")
    sub.add_parser("unpublish", parents=[common, tor], help="remove the service from tor")

    auth = sub.add_parser("client-auth", help="client authorization (x25519) credentials")
    auth_sub = auth.add_subparsers(dest="auth_command", required=True)
    add = auth_sub.add_parser("add", parents=[common], help="new credential; prints it once")
    add.add_argument("name", help="who gets it: letters, digits, '-' or '_'")
    auth_sub.add_parser("list", parents=[common])
    remove = auth_sub.add_parser("remove", parents=[common])
    remove.add_argument("name")
    return parser


def _spec_factory(args: argparse.Namespace):
    """Validate the target now; return a function that re-reads key and clients each call."""
    target = torctl.validate_target(args.target)

    def make_spec() -> ServiceSpec:
        client_keys = tuple(clientauth.list_clients(args.service_dir).values())
        if getattr(args, "require_client_auth", False) and not client_keys:
            raise ConfigError(f"no authorized client in {args.service_dir}: this service is for listed people "
                              "only; add one with `resguardo-onion client-auth add NAME` first")
        return ServiceSpec(
            key=onionkey.load(args.service_dir),
            target=target,
            virtual_port=args.virtual_port,
            pow_enabled=not args.no_pow,
            pow_queue_rate=args.pow_queue_rate,
            pow_queue_burst=args.pow_queue_burst,
            client_keys=client_keys,
        )

    return make_spec


def cmd_init(args: argparse.Namespace) -> int:
    """``init``: create (or reuse) the key; print ``<id>.onion``. Exit 0, 6 or 10."""
    key, created = onionkey.load_or_create(args.service_dir)
    say("notice", ("created" if created else "reusing") + f" key in {args.service_dir}")
    print(key.hostname, flush=True)
    return EXIT_OK


def cmd_publish(args: argparse.Namespace) -> int:
    """``publish [--watch]``: publish the service; print ``<id>.onion`` once it is up.

    Without ``--watch`` returns after one ADD_ONION; with it, runs until SIGTERM/SIGINT
    (exit 0). Errors: see :mod:`deploy.errors`.
    """
    make_spec = _spec_factory(args)
    key, created = onionkey.load_or_create(args.service_dir)
    if created:
        say("notice", f"created a new onion key in {args.service_dir}; back it up")
    make_spec()  # a missing client (with --require-client-auth) fails before tor is asked
    if not args.watch:
        controller = torctl.connect(args.control, args.cookie_file)
        try:
            spec = make_spec()
            pow_on = publish(controller, spec)
        finally:
            controller.close()
        say("notice", f"published, proof-of-work {'on' if pow_on else 'off'}"
                      + (f", {len(spec.client_keys)} authorized clients" if spec.client_keys else ""))
        print(key.hostname, flush=True)
        return EXIT_OK

    watcher = Watcher(make_spec, args.control, args.cookie_file, args.interval, args.deadline)
    watcher.install_signal_handlers()
    # first contact is strict: a bad control port or cookie at start is a config error
    torctl.connect(args.control, args.cookie_file).close()
    watcher.run(first_published=lambda: print(key.hostname, flush=True))
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """``check``: exit 0 and print ``ok <id>.onion`` if tor publishes it, else exit 8."""
    key = onionkey.load(args.service_dir)
    controller = torctl.connect(args.control, args.cookie_file)
    try:
        if key.service_id not in torctl.detached_services(controller):
            raise NotPublishedError(f"{key.hostname} is NOT published by tor")
        if args.require_descriptor and not torctl.descriptor_uploaded(controller, key.service_id):
            raise NotPublishedError(f"{key.hostname} has no descriptor yet")
    finally:
        controller.close()
    print(f"ok {key.hostname}", flush=True)
    return EXIT_OK


def cmd_unpublish(args: argparse.Namespace) -> int:
    """``unpublish``: DEL_ONION our address (exit 9 if tor does not have it)."""
    key = onionkey.load(args.service_dir)
    controller = torctl.connect(args.control, args.cookie_file)
    try:
        torctl.del_onion(controller, key.service_id)
    finally:
        controller.close()
    say("notice", f"{key.hostname} removed from tor")
    return EXIT_OK


def cmd_client_auth(args: argparse.Namespace) -> int:
    """``client-auth add|list|remove``: manage x25519 client credentials (see clientauth)."""
    if args.auth_command == "add":
        key = onionkey.load(args.service_dir)
        cred = clientauth.add_client(args.service_dir, args.name)
        say("notice", f"client {args.name!r} registered; give this line to the reviewer over "
                      "a safe channel (it is shown only once); a watching launcher "
                      "re-publishes within seconds, otherwise run 'publish' again")
        print(cred.tor_browser_line(key.service_id), flush=True)
    elif args.auth_command == "list":
        for name, public in clientauth.list_clients(args.service_dir).items():
            print(f"{name} descriptor:x25519:{public}")
    else:
        clientauth.remove_client(args.service_dir, args.name)
        say("notice", f"client {args.name!r} removed; re-publish to lock them out")
    return EXIT_OK


COMMANDS = {"init": cmd_init, "publish": cmd_publish, "check": cmd_check,
            "unpublish": cmd_unpublish, "client-auth": cmd_client_auth}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``resguardo-onion`` console script; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except LauncherError as exc:
        say("error", str(exc))
        return exc.exit_code
    except (stem.SocketClosed, stem.SocketError) as exc:
        say("error", f"lost the control connection to tor: {exc}")
        return torctl.ControlRefusedError.exit_code
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        say("error", f"{where}{exc.strerror or exc}")
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
