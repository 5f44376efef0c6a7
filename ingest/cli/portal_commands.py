"""``dangjian portal``: serve the web pages for clerks and stewards, and manage their accounts."""

from __future__ import annotations

import argparse
import getpass
import sys

from ingest.cli.terminal import console
from ingest.config import Settings
from ingest.portal import accounts


def add_parser(sub) -> None:
    p = sub.add_parser(
        "portal",
        help="serve the portal for county clerks and data stewards on 127.0.0.1 (default), or"
        " `portal user add NAME --role clerk --county 520624` to give a person an account",
    )
    p.add_argument("action", nargs="*", help="nothing: serve the portal; `user add NAME`: a new account")
    p.add_argument("--host", default="127.0.0.1", help="serve: the address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8800, help="serve: the port (default 8800)")
    p.add_argument("--role", choices=accounts.ROLES, help="user add: clerk (one county) or steward")
    p.add_argument("--county", help="user add: the clerk's county code, e.g. 520624")
    p.add_argument(
        "--password-stdin", action="store_true", help="user add: read the password from standard input"
    )
    p.set_defaults(func=cmd_portal)


def cmd_portal(args: argparse.Namespace, s: Settings) -> int:
    if not args.action:
        import uvicorn

        from ingest.portal.app import create_app
        from ingest.warehouse import embedded

        embedded.up(s)
        console.print(f"门户 / portal: http://{args.host}:{args.port}/")
        uvicorn.run(create_app(s), host=args.host, port=args.port, log_level="info")
        return 0
    if args.action[:2] != ["user", "add"] or len(args.action) != 3 or not args.role:
        console.print(
            "[red]用法 / usage: dangjian portal user add NAME --role clerk|steward [--county CODE][/]"
        )
        return 2
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("密码 / password: ")
        if getpass.getpass("再输一次 / again: ") != password:
            console.print("[red]两次输入的密码不同 / the passwords differ[/]")
            return 2
    try:
        account = accounts.add(s, args.action[2], args.role, args.county, password)
    except accounts.AccountError as e:
        console.print(f"[red]{e}[/]", highlight=False)
        return 2
    where = f"，{args.county}" if account.county_code else ""
    console.print(f"[green]已建立账号 / account added[/]：{account.name}（{account.role}{where}）")
    return 0
