"""`python -m bench`: run the benchmark, print Markdown, keep results in bench/results/.

    .venv/bin/python -m bench                          # everything, defaults (~8 minutes)
    .venv/bin/python -m bench --only keystrokes --editors 200 --repeats 1
    .venv/bin/python -m bench --variant guard-on: --variant guard-off:CONSENSO_BENCHMARK_WITHOUT_GUARD=1
    .venv/bin/python -m bench --only profile --editors 200    # py-spy on the server
    .venv/bin/python -m bench --only instances --editors 50   # three instances behind HAProxy

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

from bench import (
    browser,
    cold_open,
    delivery,
    instances,
    keystrokes,
    memory,
    peers,
    profile,
    report,
    time_travel,
)
from bench.server import Fixture

RESULTS = Path(__file__).resolve().parent / "results"
PARTS = (
    "keystrokes", "delivery", "flood", "cold", "memory", "history", "profile", "peers", "browser",
    "instances",
)  # fmt: skip


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
        "--only",
        default="keystrokes,delivery,flood,cold,memory,history,browser,instances",
        help=f"comma-separated, of {PARTS}",
    )
    parser.add_argument("--readers", default="50,200", help="reader counts for the delivery part")
    parser.add_argument("--delivery-updates", type=int, default=2000, help="updates per delivery run")
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
    parser.add_argument("--flood", type=int, default=3000, help="updates the flooding connection sends")
    parser.add_argument("--flood-editors", type=int, default=50, help="typists around the flood")
    parser.add_argument(
        "--peer-bench", type=Path, default=peers.default_harness(), help="peer harness folder"
    )
    parser.add_argument("--peers", default="consenso", help="of consenso,hocus,pycrdt (part peers)")
    parser.add_argument("--peer-history", type=int, default=100_000, help="history updates (part peers)")
    parser.add_argument("--cold-updates", type=int, default=100_000)
    parser.add_argument("--cold-styles", default="runs,scattered", help="histories: see bench/history.py")
    parser.add_argument("--memory-documents", type=int, default=25)
    parser.add_argument("--memory-edits", type=int, default=10_000)
    parser.add_argument("--memory-repeats", type=int, default=2)
    parser.add_argument("--browser-repeats", type=int, default=5, help="page loads per draft size")
    parser.add_argument("--instances", type=int, default=3, help="instances behind HAProxy (part instances)")
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
        if parts & {"keystrokes", "delivery", "flood", "memory", "profile", "browser"}:
            fixture.prepare()
        if "keystrokes" in parts:
            sections += _keystrokes(fixture, args, editor_counts, variants, raw)
        if "delivery" in parts:
            sections += _delivery(fixture, args, variants, raw)
        if "flood" in parts:
            sections += _flood(fixture, args, variants, raw)
        if "profile" in parts:
            sections += _profile(fixture, args, editor_counts[-1], variants[-1][1])
        opened: list[cold_open.ColdOpenResult] = []
        if "cold" in parts:
            for style in args.cold_styles.split(","):
                print(f"cold open: {args.cold_updates:,} updates, {style}", file=sys.stderr, flush=True)
                opened.append(cold_open.run(args.cold_updates, style=style))
            raw["cold_open"] = [{**asdict(result), "state": len(result.state)} for result in opened]
            sections += ["## Cold open", "", report.cold_open_md(opened), ""]
        if "history" in parts:
            travelled = []
            for style in args.cold_styles.split(","):
                print(f"time travel: {args.cold_updates:,} updates, {style}", file=sys.stderr, flush=True)
                travelled.append(time_travel.run(args.cold_updates, style=style))
            raw["time_travel"] = [asdict(result) for result in travelled]
            sections += ["## Time travel", "", time_travel.markdown(travelled), ""]
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
        if "peers" in parts:
            print(f"peers: {args.peers} through {args.peer_bench}", file=sys.stderr, flush=True)
            table = peers.run(
                args.peer_bench, args.peers.split(","), args.out, history=args.peer_history,
                server_env=variants[0][1],
            )  # fmt: skip
            sections += ["## Side by side (peer harness)", "", table, ""]
        if "instances" in parts:
            sections += _instances(args, editor_counts, raw)
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


def _delivery(
    fixture: Fixture,
    args: argparse.Namespace,
    variants: list[tuple[str, dict[str, str]]],
    raw: dict[str, object],
) -> list[str]:
    """Server CPU per delivered update, awareness off and on, per reader count and variant."""
    results: list[tuple[str, delivery.DeliveryResult]] = []
    for repeat in range(args.repeats):
        for readers in [int(n) for n in args.readers.split(",")]:
            for awareness in (False, True):
                for label, env in variants:
                    name = f"delivery-{label or 'default'}-{readers}-{awareness}-{repeat}"
                    print(f"{name}: {readers} readers, awareness {awareness}", file=sys.stderr, flush=True)
                    server = fixture.start(name, env)
                    try:
                        result = delivery.run(
                            server, fixture.document_id, fixture.token, readers=readers,
                            updates=args.delivery_updates, rate=100.0, awareness=awareness,
                        )  # fmt: skip
                    finally:
                        server.stop()
                    print(
                        f"  {result.us_per_delivered:.2f} µs per delivered update",
                        file=sys.stderr,
                        flush=True,
                    )
                    results.append((label, result))
    raw["delivery"] = [{"variant": label, **asdict(result)} for label, result in results]
    return ["## Server CPU per delivered update (100 updates/s)", "", report.delivery_md(results), ""]


def _flood(
    fixture: Fixture,
    args: argparse.Namespace,
    variants: list[tuple[str, dict[str, str]]],
    raw: dict[str, object],
) -> list[str]:
    """Typists' delay before and during one connection's flood, per variant, `--repeats` runs each."""
    runs: dict[str, list[keystrokes.RunResult]] = {label: [] for label, _ in variants}
    for repeat in range(args.repeats):
        for label, env in variants:
            name = f"flood-{label or 'default'}-{repeat}"
            if args.settle:
                keystrokes.wait_for_quiet(args.settle)
            print(
                f"{name}: {args.flood_editors} typists, a flood of {args.flood}", file=sys.stderr, flush=True
            )
            server = fixture.start(name, env)
            try:
                config = keystrokes.RunConfig(
                    editors=args.flood_editors, duration=args.duration, rate=args.rate,
                    workers=args.workers, seed=repeat + 1, flood=args.flood,
                )  # fmt: skip
                result = keystrokes.run(server, fixture.document_id, fixture.token, config, server.db.parent)
            finally:
                server.stop()
            if result.flood is not None:
                flood = result.flood
                print(
                    f"  quiet p99 {flood.quiet_p99_ms:.1f} ms, flood p99 {flood.during_p99_ms:.1f} ms,"
                    f" flood absorbed in {flood.absorbed_s:.1f} s",
                    file=sys.stderr, flush=True,
                )  # fmt: skip
            runs[label].append(result)
    raw["flood"] = {label: [asdict(r) for r in group] for label, group in runs.items()}
    sections = [f"## Flood: {args.flood} updates from one connection among {args.flood_editors} typists", ""]
    for label, group in runs.items():
        sections += [report.flood_md(group, label), ""]
    return sections


def _instances(args: argparse.Namespace, editor_counts: list[int], raw: dict[str, object]) -> list[str]:
    """The keystroke runs through HAProxy over `--instances` instances sharing PostgreSQL and Redis."""
    results = []
    for repeat in range(args.repeats):
        for editors in editor_counts:
            if args.settle:
                keystrokes.wait_for_quiet(args.settle)
            print(f"instances: {args.instances}, {editors} editors", file=sys.stderr, flush=True)
            config = keystrokes.RunConfig(
                editors=editors, duration=args.duration, rate=args.rate, workers=args.workers, seed=repeat + 1
            )
            try:
                results.append(instances.run(config, args.instances))
            except instances.Unavailable as exc:
                return [f"## Keystrokes through {args.instances} instances", "", f"Not run: {exc}.", ""]
    raw["instances"] = [asdict(r) for r in results]
    label = f"{args.instances} instances behind HAProxy, PostgreSQL and Redis"
    return [f"## Keystrokes through {label}", "", report.keystrokes_md(results), ""]


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
