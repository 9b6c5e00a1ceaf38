"""`python -m bench`: run the benchmark, print Markdown, keep results in bench/results/.

    .venv/bin/python -m bench                          # everything, defaults (~8 minutes)
    .venv/bin/python -m bench --only keystrokes --editors 200 --repeats 1
    .venv/bin/python -m bench --variant guard-on: --variant guard-off:CONSENSO_BENCHMARK_WITHOUT_GUARD=1
    .venv/bin/python -m bench --only profile --editors 200    # py-spy on the server

A variant is a label and server environment variables; every keystroke run is repeated per variant, so
a server setting can be compared with itself on the same machine, interleaved to share the noise.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path

from bench import browser, cold_open, keystrokes, memory, profile, report
from bench.server import Fixture

RESULTS = Path(__file__).resolve().parent / "results"
PARTS = ("keystrokes", "cold", "memory", "profile", "browser")


def _variant(text: str) -> tuple[str, dict[str, str]]:
    label, _, assignments = text.partition(":")
    env = {}
    for item in filter(None, assignments.split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(f"{item!r} is not KEY=VALUE")
        env[key] = value
    return label, env


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only", default="keystrokes,cold,memory,browser", help=f"comma-separated, of {PARTS}"
    )
    parser.add_argument("--editors", default="10,50,200,500", help="editor counts for keystroke runs")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of typing per run")
    parser.add_argument("--repeats", type=int, default=2, help="runs per editor count and variant")
    parser.add_argument("--rate", type=float, default=5.0, help="keystrokes per second per editor")
    parser.add_argument("--workers", type=int, default=0, help="typist processes (0: 1 up to 50, else 2)")
    parser.add_argument(
        "--variant",
        action="append",
        type=_variant,
        default=[],
        help="LABEL:KEY=VALUE[,KEY=VALUE] server environment for a set of runs",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=20.0,
        help="wait up to this many seconds for a quiet machine before a run",
    )
    parser.add_argument("--cold-updates", type=int, default=100_000)
    parser.add_argument("--cold-styles", default="runs,scattered", help="histories: see bench/history.py")
    parser.add_argument("--memory-documents", type=int, default=25)
    parser.add_argument("--memory-edits", type=int, default=10_000)
    parser.add_argument("--memory-repeats", type=int, default=2)
    parser.add_argument("--browser-repeats", type=int, default=5, help="page loads per draft size")
    parser.add_argument("--out", type=Path, default=RESULTS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    parts = set(args.only.split(","))
    if parts - set(PARTS):
        print(f"unknown part(s): {', '.join(sorted(parts - set(PARTS)))}", file=sys.stderr)
        return 2
    editor_counts = [int(n) for n in args.editors.split(",")]
    variants = args.variant or [("", {})]
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 500 sockets in the server, inherited

    info = report.machine()
    sections = [f"# Benchmark run {time.strftime('%Y-%m-%d %H:%M:%S')}", "", report.machine_md(info), ""]
    raw: dict[str, object] = {"machine": info, "argv": sys.argv[1:]}
    fixture = Fixture()
    started = time.monotonic()
    try:
        if parts & {"keystrokes", "memory", "profile", "browser"}:
            fixture.prepare()
        if "keystrokes" in parts:
            sections += _keystrokes(fixture, args, editor_counts, variants, raw)
        if "profile" in parts:
            sections += _profile(fixture, args, editor_counts[-1], variants[-1][1])
        opened: list[cold_open.ColdOpenResult] = []
        if "cold" in parts:
            for style in args.cold_styles.split(","):
                print(f"cold open: {args.cold_updates:,} updates, {style}", file=sys.stderr, flush=True)
                opened.append(cold_open.run(args.cold_updates, style=style))
            raw["cold_open"] = [{**asdict(result), "state": len(result.state)} for result in opened]
            sections += ["## Cold open", "", report.cold_open_md(opened), ""]
        if "memory" in parts:
            histories = [
                memory.History(f"{result.updates:,} keystrokes ({result.style}), compacted", result.state)
                for result in opened
            ] or [
                memory.History(
                    f"{args.memory_edits:,} keystrokes (runs)", memory.edited_state(args.memory_edits)
                )
            ]
            results = []
            for index in range(args.memory_repeats):
                print(f"memory: run {index + 1}", file=sys.stderr, flush=True)
                results.append(
                    memory.run(
                        fixture, histories, documents=args.memory_documents, env=variants[0][1],
                        name=f"memory-{index}",
                    )
                )  # fmt: skip
            raw["memory"] = [asdict(r) for r in results]
            sections += ["## Memory per open document", "", report.memory_md(results), ""]
        if "browser" in parts:
            print("browser: bundle size, time to an editable draft", file=sys.stderr, flush=True)
            measured = browser.run(fixture, repeats=args.browser_repeats)
            raw["browser"] = asdict(measured)
            sections += ["## Browser client", "", browser.markdown(measured), ""]
    finally:
        fixture.cleanup()
    sections.append(f"Total wall time {time.monotonic() - started:.0f} s.")
    text = "\n".join(sections)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (args.out / f"{stamp}.md").write_text(text + "\n", encoding="utf-8")
    (args.out / f"{stamp}.json").write_text(json.dumps(raw, indent=1, default=str), encoding="utf-8")
    return 0


def _keystrokes(
    fixture: Fixture,
    args: argparse.Namespace,
    editor_counts: list[int],
    variants: list[tuple[str, dict[str, str]]],
    raw: dict[str, object],
) -> list[str]:
    runs: dict[str, list[keystrokes.RunResult]] = {label: [] for label, _ in variants}
    for repeat in range(args.repeats):
        for editors in editor_counts:
            for label, env in variants:
                name = f"run-{label or 'default'}-{editors}-{repeat}"
                if args.settle:
                    keystrokes.wait_for_quiet(args.settle)
                print(f"{name}: {editors} editors, {args.duration:.0f} s", file=sys.stderr, flush=True)
                server = fixture.start(name, env)
                try:
                    config = keystrokes.RunConfig(
                        editors=editors,
                        duration=args.duration,
                        rate=args.rate,
                        workers=args.workers,
                        seed=repeat + 1,
                    )
                    result = keystrokes.run(
                        server, fixture.document_id, fixture.token, config, server.db.parent
                    )
                    if server.process.poll() is not None:
                        result.failures.insert(
                            0, f"server exited ({server.process.returncode}) during the run"
                        )
                finally:
                    server.stop()
                if result.failures:  # keep the server's log of a broken run
                    args.out.mkdir(parents=True, exist_ok=True)
                    shutil.copy(server.log, args.out / f"{name}-{time.strftime('%H%M%S')}-server.log")
                print(
                    f"  accepted {result.accepted_per_s:.0f}/s of {result.offered_per_s:.0f}, "
                    f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, server CPU "
                    f"{result.server_cpu:.2f}, others {result.other_cpu:.2f}, RSS {result.rss_mb:.0f} MB",
                    file=sys.stderr,
                    flush=True,
                )
                runs[label].append(result)
    raw["keystrokes"] = {label: [asdict(r) for r in group] for label, group in runs.items()}
    sections = [f"## Keystrokes ({args.duration:.0f} s per run, {args.rate:g} keystrokes/s per editor)", ""]
    for label, group in runs.items():
        sections += [report.keystrokes_md(group, label), ""]
    return sections


def _profile(fixture: Fixture, args: argparse.Namespace, editors: int, env: dict[str, str]) -> list[str]:
    name = f"profile-{editors}"
    print(f"{name}: py-spy on the server, {editors} editors", file=sys.stderr, flush=True)
    server = fixture.start(name, env)
    output = server.db.parent / "profile.txt"
    try:
        config = keystrokes.RunConfig(
            editors=editors, duration=args.duration, rate=args.rate, workers=args.workers
        )
        spies = []
        result = keystrokes.run(
            server,
            fixture.document_id,
            fixture.token,
            config,
            server.db.parent,
            on_start=lambda: spies.append(profile.record(server.process.pid, args.duration, output)),
        )
        for spy in spies:
            spy.wait(timeout=args.duration + 120)
    finally:
        server.stop()
    kept = args.out / f"profile-{editors}-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    args.out.mkdir(parents=True, exist_ok=True)
    if output.exists():
        kept.write_text(output.read_text())
    return [
        f"## Server profile, {editors} editors (py-spy, under load: p99 {result.p99_ms:.0f} ms)",
        "",
        profile.summarize(output) if output.exists() else "py-spy wrote nothing (ptrace not permitted?)",
        "",
        f"Collapsed stacks kept in {kept}.",
        "",
    ]


if __name__ == "__main__":
    sys.exit(main())
