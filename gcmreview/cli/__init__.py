"""The command line: parse arguments, call the library, print, return an exit status.

Exit statuses: 0 success; 1 the input has errors (or warnings with --strict);
2 the command line itself is wrong; 3 an unexpected internal error (a bug: the
traceback is printed so it can be reported); 130 stopped by Ctrl+C (one line, GCM251).
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

import gcmreview
from gcmreview import Code, Diagnostic, GcmReviewError, Location

from .display import build_summary, check_summary, import_summary, print_diagnostics, progress_for, say

__all__ = ["main"]

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

EPILOG = """exit status: 0 success; 1 input errors (or warnings with --strict); 2 wrong command line; 3 internal error; 130 stopped by Ctrl+C"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gcmreview", description="Build a Voluntary GCM Review from ministries' workbooks.", epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"gcmreview {gcmreview.__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars and no summary; problems are still printed")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    new = sub.add_parser("new", help="create a review workspace", epilog=EPILOG)
    new.add_argument("folder", type=Path)
    new.add_argument("--country", default="Example country", help="country name as printed on the form")
    new.add_argument("--iso", default="XXX", help="ISO 3166-1 alpha-3 code, e.g. KHM, LAO, MMR")
    new.add_argument("--language", default="km", choices=sorted(set(gcmreview.languages()) - {"en"}), help="national language")

    wb = sub.add_parser("workbook", help="write blank contributor workbooks into inputs/", epilog=EPILOG)
    wb.add_argument("workspace", nargs="?", type=Path, default=Path("."))
    wb.add_argument("--contributor", metavar="CODE", help="only this contributor")

    check = sub.add_parser("check", help="validate every workbook in inputs/", epilog=EPILOG)
    check.add_argument("workspace", nargs="?", type=Path, default=Path("."))
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.add_argument("--lang", choices=sorted(gcmreview.languages()), help="language of the messages (default English)")
    check.add_argument("--report", action="store_true", help="also write the coordinator's report to build/report.html (and report.<lang>.html)")

    build = sub.add_parser("build", help="build the submission into build/", epilog=EPILOG)
    build.add_argument("workspace", nargs="?", type=Path, default=Path("."))
    build.add_argument("--draft", action="store_true", help="build despite errors; the documents are marked DRAFT and list the problems")
    build.add_argument("--no-cache", action="store_true",
                       help="read every workbook and render every document anew (by default what did not change "
                            "since the last build is taken from build/.cache)")

    schema = sub.add_parser("schema", help="print the JSON Schema of a contribution to the review (or of its submission)", epilog=EPILOG)
    schema.add_argument("workspace", nargs="?", type=Path, default=Path("."))
    schema.add_argument("--submission", action="store_true", help="the consolidated submission's schema (build/submission.json)")

    translate = sub.add_parser("translate", help="hand text to translators and bring translations back", epilog=EPILOG)
    tsub = translate.add_subparsers(dest="translate_command", required=True, metavar="ACTION")
    texp = tsub.add_parser("export", help="write the texts that need translation (missing or stale) as XLIFF 1.2 or xlsx", epilog=EPILOG)
    texp.add_argument("workspace", nargs="?", type=Path, default=Path("."))
    texp.add_argument("--to", required=True, metavar="LANG", help="target language, e.g. en or km")
    texp.add_argument("--format", choices=("xliff", "xlsx"), default="xliff")
    texp.add_argument("-o", "--output", type=Path, help="file to write (default: build/translations/<ISO>-to-<LANG>.xlf or .xlsx)")
    timp = tsub.add_parser("import", help="bring a translated XLIFF or xlsx back into inputs/translations/", epilog=EPILOG)
    timp.add_argument("file", type=Path)
    timp.add_argument("-w", "--workspace", type=Path, default=Path("."))
    timp.add_argument("--translator", help="name recorded with each translation")
    timp.add_argument("--confirm-unchanged", action="store_true", help="accept stale translations sent back unchanged")

    imp = sub.add_parser("import", help="write a filled workbook from a contribution JSON file", epilog=EPILOG)
    imp.add_argument("file", type=Path)
    imp.add_argument("-o", "--output", type=Path, help="workbook to write (default: inputs/<code>.xlsx)")
    imp.add_argument("-w", "--workspace", type=Path, default=Path("."))
    imp.add_argument("--force", action="store_true", help="overwrite an existing workbook")

    _serve_parser(sub)

    exp = sub.add_parser("export", help="print a workbook's contribution as JSON", epilog=EPILOG)
    exp.add_argument("file", type=Path)
    exp.add_argument("-w", "--workspace", type=Path, default=Path("."))
    return parser


def _serve_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="serve the review as a local web app for the coordinator and the ministries", epilog=EPILOG)
    serve.add_argument("workspace", nargs="?", type=Path, default=Path("."))
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this computer only)")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--behind-proxy", action="store_true",
                       help="trust X-Forwarded-Proto and X-Forwarded-For from a reverse proxy on this computer (TLS)")


def _cmd_new(args: argparse.Namespace) -> int:
    config = gcmreview.new_workspace(args.folder, args.country, args.iso, args.language)
    say(f"Created {config}. Edit it, then run: gcmreview workbook {args.folder}")
    return EXIT_OK


def _cmd_workbook(args: argparse.Namespace) -> int:
    for outcome in gcmreview.write_blank_workbooks(args.workspace, args.contributor):
        shown = gcmreview.display_path(outcome.path, args.workspace)
        state = "written" if outcome.written else "exists, left as it is (delete it to make a new blank one)"
        say(f"{outcome.contributor}: {shown} {state}")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    with progress_for(args.quiet) as progress:
        prepared = gcmreview.check(args.workspace, progress=progress)
    t = gcmreview.translator(args.lang) if args.lang else None
    diagnostics = sorted(prepared.diagnostics, key=lambda d: (d.location, d.code))
    if t is not None:
        diagnostics = [d.localized(t) for d in diagnostics]
    errors, warnings = len(prepared.errors), len(prepared.warnings)
    if args.format == "json":
        payload = {
            "files": prepared.files,
            "missing": prepared.missing,
            "errors": errors,
            "warnings": warnings,
            "diagnostics": [d.as_dict() for d in diagnostics],
        }
        say(*json.dumps(payload, ensure_ascii=False, indent=2).split("\n"))  # JSON escapes its own line feeds
    else:
        print_diagnostics(diagnostics, sys.stdout)
        if not args.quiet:
            say(*check_summary(prepared, diagnostics))
    if args.report:
        for path in gcmreview.write_reports(prepared):
            say(f"build/{path.name}", out=sys.stderr if args.format == "json" else sys.stdout)
    return EXIT_OK if prepared.ok(strict=args.strict) else EXIT_INPUT


def _cmd_schema(args: argparse.Namespace) -> int:
    schema = (gcmreview.submission_schema if args.submission else gcmreview.contribution_schema)(args.workspace)
    print(json.dumps(schema, ensure_ascii=False, indent=2))
    return EXIT_OK


def _cmd_build(args: argparse.Namespace) -> int:
    try:
        with progress_for(args.quiet) as progress:
            result = gcmreview.build(args.workspace, draft=args.draft, progress=progress, use_cache=not args.no_cache)
    except GcmReviewError as exc:
        print_diagnostics(exc.diagnostics, sys.stderr)
        if exc.draft_would_build:
            say("Build refused: fix the errors above, or run `gcmreview build --draft` for a draft marked DRAFT.", out=sys.stderr)
        return EXIT_INPUT
    print_diagnostics(sorted(result.diagnostics, key=lambda d: (d.location, d.code)), sys.stdout)
    if not args.quiet:
        say(*build_summary(result, args.draft))
    return EXIT_OK


def _cmd_translate(args: argparse.Namespace) -> int:
    if args.translate_command == "export":
        export = gcmreview.export_translations(args.workspace, args.to, format=args.format, output=args.output)
        say(f"{len(export.segments)} text(s) to translate into {args.to}: {export.path}")
        return EXIT_OK
    report = gcmreview.import_translations(args.workspace, args.file, translator=args.translator, confirm_unchanged=args.confirm_unchanged)
    print_diagnostics(report.diagnostics, sys.stderr)
    if not args.quiet:
        say(import_summary(report, args.workspace))
    return EXIT_INPUT if any(d.severity == "error" for d in report.diagnostics) else EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    code, target = gcmreview.import_contribution(args.file, args.workspace, output=args.output, force=args.force)
    say(f"{code}: {target} written")
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    contribution, diagnostics = gcmreview.export_contribution(args.file, args.workspace)
    sys.stdout.write(gcmreview.contribution_json(contribution))
    print_diagnostics(diagnostics, sys.stderr)
    return EXIT_INPUT if any(d.severity == "error" for d in diagnostics) else EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    from gcmreview.web import serve

    serve(args.workspace, args.host, args.port, proxied=args.behind_proxy)
    return EXIT_OK


COMMANDS = {
    "new": _cmd_new,
    "workbook": _cmd_workbook,
    "check": _cmd_check,
    "build": _cmd_build,
    "schema": _cmd_schema,
    "translate": _cmd_translate,
    "import": _cmd_import,
    "export": _cmd_export,
    "serve": _cmd_serve,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except GcmReviewError as exc:
        print_diagnostics(exc.diagnostics, sys.stderr)
        return EXIT_INPUT
    except OSError as exc:
        say(f"gcmreview: {exc}", out=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:  # Ctrl+C: one line; workers ignore it, files are written whole or not at all
        print_diagnostics([Diagnostic.make(Code.INTERRUPTED, Location(), command=args.command)], sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:  # a bug: show it so it can be reported
        traceback.print_exc()
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
