"""``keel eval PATH [options]`` and ``keel eval capture RUN_ID``.

Both shapes share one command group. A plain group with a PATH argument would read
``capture`` as the PATH, so ``EvalGroup`` looks at the first word first: a
subcommand's name goes to that subcommand, anything else is the agent to evaluate.

Exit codes: 0 the gates passed (every case passed, when there is no gate), 1 they did
not, 2 bad input — a broken spec or suite, a malformed gate, a bad option.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from keel.cli import context
from keel.errors import KeelError, NotFound, SpecError, UserError

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
_SUBCOMMAND = "keel.eval.subcommand"


class EvalGroup(TyperGroup):
    """A group whose own PATH argument never swallows a subcommand's name."""

    # ``ctx`` is Any: Typer vendors its own click, whose Context these methods receive.
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] in self.commands:
            # "keel eval capture RUN": parse none of the group's own parameters (they
            # take their defaults; the group's subcommand handling is skipped) and hand
            # every word to the subcommand in ``invoke``.
            ctx.meta[_SUBCOMMAND] = args
            return super(TyperGroup, self).parse_args(ctx, [])
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        words = ctx.meta.pop(_SUBCOMMAND, None)
        if words is None:
            return super().invoke(ctx)
        with ctx:
            name, command, rest = self.resolve_command(ctx, words)
            assert command is not None
            ctx.invoked_subcommand = name
            with command.make_context(name, rest, parent=ctx) as sub:
                return command.invoke(sub)


eval_app = typer.Typer(
    cls=EvalGroup,
    invoke_without_command=True,
    help="Run an agent's eval suites (regression, adversarial, journeys) and gate on them.",
    context_settings={"allow_interspersed_args": True},
)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="keel.toml to use (default: $KEEL_CONFIG, ./keel.toml, then $KEEL_HOME/keel.toml)",
    ),
]


@eval_app.callback()
def eval_agent(
    ctx: typer.Context,
    path: Annotated[
        Path | None, typer.Argument(help="agent spec file or folder", show_default=False)
    ] = None,
    suite: Annotated[
        list[Path] | None,
        typer.Option(
            "--suite",
            help="a suite file to run (repeatable); default: the spec's evals, else "
            "evals/*.yaml beside it",
        ),
    ] = None,
    no_adversarial: Annotated[
        bool, typer.Option("--no-adversarial", help="skip the built-in adversarial suite")
    ] = False,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", help="run only cases with this tag (repeatable)"),
    ] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=256, help="cases run at once")
    ] = 4,
    gate: Annotated[
        str | None,
        typer.Option(
            "--gate",
            help='thresholds that must hold, e.g. "pass_rate>=0.95,p95_ms<=2000"; '
            "exit 1 when one fails",
        ),
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="write the full report as JSON here")
    ] = None,
    junit_file: Annotated[
        Path | None, typer.Option("--junit", help="write JUnit XML here (one testcase per case)")
    ] = None,
    html_file: Annotated[
        Path | None,
        typer.Option("--html", help="write an HTML report with charts here (needs keel[reports])"),
    ] = None,
    role: Annotated[
        list[str] | None,
        typer.Option(
            "--role",
            help="a role cases run as when their suite names none (repeatable; default: admin)",
        ),
    ] = None,
    judge_model: Annotated[
        str | None,
        typer.Option(
            "--judge-model",
            help="model for 'judge' rubrics of suites that name none, e.g. openai:gpt-4o-mini",
        ),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Run the agent's suites through the real engine, report, store and gate the results."""
    if ctx.invoked_subcommand is not None:
        return
    if path is None:
        out.print(ctx.get_help(), markup=False, highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    # Imported here, not at the top: `keel --help` and other commands stay fast.
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from keel.agent import Agent
    from keel.evals import (
        EvalHistory,
        Gate,
        build_judges,
        evaluate,
        suites_for,
        write_html,
        write_json,
        write_junit,
    )
    from keel.evals._terminal import print_summary
    from keel.spec.loader import load_spec

    try:
        parsed_gate = None if gate is None else Gate.parse(gate)
        s = context.settings(config)
        loaded = load_spec(path)
        # Bound as keel.host.load_agent does, from the spec already read for its suites.
        agent = Agent.from_spec(
            loaded,
            credentials=dict(os.environ),
            prices=context.prices(s),
            pii_hash_key=context.pii_key(s),
        )
        suites = suites_for(loaded, picks=suite or [], adversarial=not no_adversarial)
        judge, judges = build_judges(
            suites,
            credentials=dict(os.environ),  # the CLI is the edge: keys come from there
            prices=context.prices(s),
            default_model=judge_model,
        )
        store = context.open_store(s)
    except KeelError as e:
        raise _user_error(e) from None
    progress = Progress(
        TextColumn("evaluating {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    task = progress.add_task(agent.name, total=None)
    try:
        with progress:
            report = asyncio.run(
                evaluate(
                    agent,
                    suites,
                    history=EvalHistory(store),
                    gate=parsed_gate,
                    tags=tag or [],
                    concurrency=concurrency,
                    judge=judge,
                    judges=judges,
                    roles=role or ["admin"],
                    session_turns=s.session_turns,
                    on_start=lambda n: progress.update(task, total=n),
                    on_result=lambda _: progress.advance(task),
                )
            )
        print_summary(out, report)
        for file, write in ((json_file, write_json), (junit_file, write_junit)):
            if file is not None:
                write(report, file)
        if html_file is not None:
            write_html(report, html_file)
    except KeelError as e:
        raise _user_error(e) from None
    finally:
        store.close()
    if not report.passed:
        raise typer.Exit(EXIT_FAILED)


@eval_app.command("capture")
def capture(
    run_id: Annotated[str, typer.Argument(help="run id (a unique prefix is enough)")],
    suite: Annotated[
        Path | None,
        typer.Option(
            "--suite",
            help="suite file to append to (default: evals/captured.yaml beside the run's spec)",
        ),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Turn a stored run (masked) into a regression case appended to a suite file."""
    from keel.evals import capture_run

    try:
        store = context.open_store(context.settings(config))
    except KeelError as e:
        raise _user_error(e) from None
    try:
        captured = capture_run(store, run_id, suite=suite)
    except KeelError as e:
        raise _user_error(e) from None
    finally:
        store.close()
    out.print(
        f"captured run as case {captured.case_id!r} in {captured.path}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _user_error(e: KeelError) -> typer.Exit:
    if isinstance(e, SpecError):
        for p in e.problems:
            err.print(str(p), markup=False, highlight=False, soft_wrap=True)
        return typer.Exit(EXIT_BAD_INPUT)
    code = EXIT_BAD_INPUT if isinstance(e, UserError) else EXIT_FAILED
    if isinstance(e, NotFound):
        code = EXIT_FAILED
    err.print(f"[red]error:[/] {escape(f'{e.code}: {e.message}')}", soft_wrap=True)
    return typer.Exit(code)
