"""argparse as the command line needs it: a mistyped command or option names the closest
real one (difflib), and option types that turn an out-of-range value into one line."""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any


# -- option types: an out-of-range value is a one-line usage error -------------------------
def _number(text: str, kind: type[int] | type[float]) -> int | float:
    try:
        return kind(text)
    except ValueError:
        noun = "a whole number" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"{text!r} is not {noun}") from None


def positive_int(text: str) -> int:
    value = int(_number(text, int))
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {text}")
    return value


def non_negative_int(text: str) -> int:
    value = int(_number(text, int))
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {text}")
    return value


def non_negative_float(text: str) -> float:
    value = float(_number(text, float))
    if not value >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {text}")
    return value


def iso_date(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


# -- the parser ----------------------------------------------------------------------------
def _did_you_mean(word: str, candidates: Sequence[str]) -> str:
    close = difflib.get_close_matches(word.split("=", 1)[0], candidates, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Parser(argparse.ArgumentParser):
    """argparse that names the closest real command or option when one is mistyped."""

    def __init__(self, *args: Any, paths_open_window: bool = False, **kwargs: Any) -> None:
        self.option_names: list[str] = []
        self.subcommands: argparse._SubParsersAction | None = None
        #: a word that is not a command may be a file or folder for the window
        self.paths_open_window = paths_open_window
        super().__init__(*args, **kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        self.option_names.extend(action.option_strings)
        return action

    def add_subparsers(self, **kwargs: Any) -> argparse._SubParsersAction:
        self.subcommands = super().add_subparsers(**kwargs)
        return self.subcommands

    def command_names(self) -> list[str]:
        return list(self.subcommands.choices) if self.subcommands else []

    # argparse checks every value with a fixed set of choices (commands too) here.
    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if action.choices is None or value in action.choices:
            return
        names = [str(c) for c in action.choices]
        hint = _did_you_mean(str(value), names) or f" (choose from {', '.join(names)})"
        if action is not self.subcommands:
            raise argparse.ArgumentError(action, f"invalid choice: {value!r}{hint}")
        what = "a command"
        if self.paths_open_window and not path_exists(str(value)):
            what += ", nor a file or folder"
        raise argparse.ArgumentError(action, f"{value!r} is not {what}{hint}")

    def parse_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                   namespace: argparse.Namespace | None = None) -> argparse.Namespace:
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            known = self.option_names + self.chosen(parsed).option_names
            self.error(f"unrecognized arguments: {' '.join(extras)}"
                       f"{_did_you_mean(extras[0], known) if extras[0].startswith('-') else ''}")
        return parsed

    def chosen(self, args: argparse.Namespace) -> Parser:
        """The (sub)parser of the command that ``args`` name, e.g. ``model use``'s."""
        parser = self
        while parser.subcommands is not None:
            name = getattr(args, parser.subcommands.dest, None)
            if name is None:
                break
            parser = parser.subcommands.choices[name]
        return parser


def path_exists(word: str) -> bool:
    return Path(word).expanduser().exists()
