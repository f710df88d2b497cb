"""The `helpcenter` command: build and serve the help center."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpcenter.build import BuildError, build_site


def build_command(args: argparse.Namespace) -> int:
    try:
        build_site(args.config_file, args.site_dir, strict=args.strict)
    except BuildError as error:
        print(error, file=sys.stderr)
        print(f"Build failed: {args.site_dir}/ was left as it was.", file=sys.stderr)
        return 1
    print(f"Site built in {args.site_dir}/")
    return 0


def serve_command(args: argparse.Namespace) -> int:
    from helpcenter.serve import serve

    serve(args.site_dir, host=args.host, port=args.port)
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="helpcenter", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="build every language into the site folder")
    build.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"))
    build.add_argument("--site-dir", type=Path, default=Path("site"))
    build.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="fail on warnings (default: on)",
    )
    build.set_defaults(run=build_command)

    serve = commands.add_parser("serve", help="serve the built site")
    serve.add_argument("--site-dir", type=Path, default=Path("site"))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=serve_command)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
