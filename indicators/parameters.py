"""Run parameters: every choice a user can make about a run, declared once.

Each parameter is declared once in :data:`PARAMETERS` with its default, its allowed values (a
*constraint*), its help text, its command-line option and the commands that offer it. From that
one declaration come:

- the frozen :class:`Parameters` object that every stage receives and passes on unchanged;
- the checks of dataset.toml ``[parameters]`` (:func:`check_table`), of keyword overrides and of
  the command line, with one message style;
- the command-line options and their help (:func:`add_options`), so that a command offers
  exactly the options it uses;
- the ``parameters`` of manifest.json (:meth:`Parameters.as_dict`) and the parameters page of
  the user documentation (:func:`parameter_table`).

Precedence: defaults < dataset.toml (``[parameters]``; ``census_date`` at its top level) <
keyword overrides or the command line. A bad value is a :class:`ParameterError` that says where
it came from: the command line makes it a usage error (exit 2), dataset.toml invalid input
(exit 1).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "PARAMETERS",
    "Boolean",
    "IsoDate",
    "Number",
    "Options",
    "Parameter",
    "ParameterError",
    "Parameters",
    "add_options",
    "check_table",
    "from_arguments",
    "parameter_table",
]

ORIGINS = ("command line", "dataset.toml", "keyword")


class ParameterError(ValueError):
    """A parameter value that is not allowed.

    Attributes
    ----------
    name : str
        The parameter.
    origin : str
        ``"command line"`` (a usage error, exit 2), ``"dataset.toml"`` (invalid input, exit 1)
        or ``"keyword"`` (a Python call).
    """

    def __init__(self, message: str, *, name: str, origin: str):
        super().__init__(message)
        self.name = name
        self.origin = origin

    def __reduce__(self):  # picklable across worker processes
        return (_parameter_error, (str(self), self.name, self.origin))


def _parameter_error(message: str, name: str, origin: str) -> ParameterError:
    return ParameterError(message, name=name, origin=origin)


# --------------------------------------------------------------------------- constraints


@dataclass(frozen=True)
class Options:
    """One of a fixed set of codes."""

    choices: tuple[str, ...]

    def problem(self, value: Any) -> str | None:
        if value in self.choices:
            return None
        return f"allowed values are {', '.join(map(repr, self.choices))}"

    def from_text(self, text: str) -> str:
        return text.strip()

    def describe(self) -> str:
        return " | ".join(self.choices)


@dataclass(frozen=True)
class Number:
    """A number of a type within bounds (``low < x < high`` or ``low <= x``)."""

    type: type
    low: float
    high: float | None = None
    closed_low: bool = True
    hint: str = ""

    def problem(self, value: Any) -> str | None:
        ok_type = isinstance(value, int | float) and not isinstance(value, bool)
        if self.type is int:
            ok_type = ok_type and float(value) == int(value)
        if ok_type:
            above = value >= self.low if self.closed_low else value > self.low
            below = self.high is None or value < self.high
            if above and below:
                return None
        return self.hint

    def from_text(self, text: str) -> float | int:
        try:
            number = float(text)
        except ValueError:
            raise ValueError(self.hint) from None
        return int(number) if self.type is int and number == int(number) else number

    def describe(self) -> str:
        if self.high is None:
            return (
                f"a whole number, {self.low:g} or more"
                if self.type is int
                else f"a number, {self.low:g} or more"
            )
        return f"a number strictly between {self.low:g} and {self.high:g}"


@dataclass(frozen=True)
class IsoDate:
    """A day written YYYY-MM-DD (a ``datetime.date`` from TOML is accepted as it is)."""

    def parse(self, value: Any) -> _dt.date:
        if isinstance(value, _dt.datetime):
            return value.date()
        if isinstance(value, _dt.date):
            return value
        if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
            return value.to_pydatetime().date()
        return _dt.date.fromisoformat(str(value).strip())

    def problem(self, value: Any) -> str | None:
        try:
            self.parse(value)
        except (ValueError, TypeError):
            return "write a date YYYY-MM-DD"
        return None

    def from_text(self, text: str) -> str:
        self.parse(text)
        return text.strip()

    def describe(self) -> str:
        return "a date YYYY-MM-DD"


@dataclass(frozen=True)
class Boolean:
    """true or false (a command-line switch)."""

    def problem(self, value: Any) -> str | None:
        return None if isinstance(value, bool) else "write true or false"

    def from_text(self, text: str) -> bool:  # pragma: no cover - switches take no text
        return text.strip().lower() in ("true", "1", "yes")

    def describe(self) -> str:
        return "true | false"


# --------------------------------------------------------------------------- the declaration

COMPUTING = ("compute", "report", "compare", "run")
"""Commands that compute datasets (and so take the computation parameters)."""
PUBLISHING = ("compute", "report", "compare", "run")


@dataclass(frozen=True)
class Parameter:
    """The declaration of one run parameter.

    Attributes
    ----------
    name : str
        As in dataset.toml ``[parameters]``, keyword arguments and manifest.json.
    default : object
        The value when nothing sets it (``None`` for census_date: the dataset's own census day).
    constraint : Options, Number, IsoDate or Boolean
        The allowed values and how text from the command line is read.
    help : str
        One line for ``--help`` and the documentation.
    flag : str
        The command-line option.
    commands : tuple of str
        The commands that offer the option (a command never offers an option it ignores).
    in_dataset_toml : bool
        Settable under ``[parameters]`` of dataset.toml (else on the command line or as a
        keyword only).
    computation : bool
        Changes the computed figures (recorded per dataset in manifest.json ``parameters``);
        the others govern publication.
    command_defaults : dict
        A default that depends on the command (disclosure is public for reports).
    """

    name: str
    default: Any
    constraint: Any
    help: str
    flag: str
    commands: tuple[str, ...]
    in_dataset_toml: bool = True
    computation: bool = True
    metavar: str | None = None
    command_defaults: Mapping[str, Any] = field(default_factory=dict)

    def check(self, value: Any, origin: str) -> Any:
        """``value`` if allowed, else a :class:`ParameterError` naming the parameter."""
        problem = self.constraint.problem(value)
        if problem:
            where = (
                f"{self.flag} {value}" if origin == "command line" else f"{self.name} = {value!r}"
            )
            raise ParameterError(f"{where}: {problem}", name=self.name, origin=origin)
        if isinstance(self.constraint, Number):
            return self.constraint.type(value)
        return value

    def default_for(self, command: str | None) -> Any:
        return self.command_defaults.get(command, self.default)


PARAMETERS: tuple[Parameter, ...] = (
    Parameter(
        "count_unit",
        "event",
        Options(("event", "child")),
        "count events (arrests, decisions, releases) or distinct children in JJ01, JJ09-JJ11",
        "--count-unit",
        COMPUTING,
    ),
    Parameter(
        "deaths_denominator",
        "average_daily_population",
        Options(("average_daily_population", "census", "distinct_children")),
        "denominator of JJ06 (child deaths in detention)",
        "--deaths-denominator",
        COMPUTING,
    ),
    Parameter(
        "confidence_level",
        0.95,
        Number(float, 0, 1, closed_low=False, hint="write a number between 0 and 1, e.g. 0.95"),
        "confidence level of every interval",
        "--confidence",
        (*COMPUTING, "import-counts"),
        metavar="LEVEL",
    ),
    Parameter(
        "small_numerator_threshold",
        5,
        Number(int, 0, hint="write a whole number, 0 or more"),
        "a rate whose numerator is under this is flagged small_numerator",
        "--small-numerator-threshold",
        (*COMPUTING, "import-counts"),
        metavar="N",
    ),
    Parameter(
        "small_denominator_threshold",
        20,
        Number(int, 0, hint="write a whole number, 0 or more"),
        "a percentage whose denominator is under this is flagged small_denominator",
        "--small-denominator-threshold",
        (*COMPUTING, "import-counts"),
        metavar="N",
    ),
    Parameter(
        "census_date",
        None,
        IsoDate(),
        "the census day C of the snapshot indicators, within the period (default: dataset.toml "
        "census_date, else period_end)",
        "--census-date",
        COMPUTING,
        in_dataset_toml=False,
        metavar="YYYY-MM-DD",
    ),
    Parameter(
        "disclosure",
        "internal",
        Options(("public", "internal")),
        "public suppresses small counts and every cell that would reveal them, for publication",
        "--disclosure",
        PUBLISHING,
        in_dataset_toml=False,
        computation=False,
        command_defaults={"report": "public", "compare": "public", "run": "public"},
    ),
    Parameter(
        "threshold",
        5,
        Number(int, 1, hint="write a whole number, 1 or more"),
        "in public mode, counts from 1 to THRESHOLD-1 are suppressed",
        "--threshold",
        PUBLISHING,
        in_dataset_toml=False,
        computation=False,
    ),
    Parameter(
        "round_base3",
        False,
        Boolean(),
        "in public mode, also round the published counts to base 3",
        "--round-base3",
        PUBLISHING,
        in_dataset_toml=False,
        computation=False,
    ),
)

_BY_NAME = {p.name: p for p in PARAMETERS}
DATASET_TOML_NAMES = tuple(p.name for p in PARAMETERS if p.in_dataset_toml)


@dataclass(frozen=True)
class Parameters:
    """Every parameter of a run, with its value; frozen, built once, passed down as is.

    Build it with :meth:`build` (keyword values), :meth:`from_table` (dataset.toml) or
    :func:`from_arguments` in the command line; :meth:`for_dataset` resolves it for one dataset
    (its dataset.toml values where nothing more explicit was given, and its census day).

    Attributes
    ----------
    given : frozenset of str
        The names set explicitly (not defaults); they win over dataset.toml.
    origin : str
        Where the explicit values came from (for error messages and exit codes).
    """

    count_unit: str = _BY_NAME["count_unit"].default
    deaths_denominator: str = _BY_NAME["deaths_denominator"].default
    confidence_level: float = _BY_NAME["confidence_level"].default
    small_numerator_threshold: int = _BY_NAME["small_numerator_threshold"].default
    small_denominator_threshold: int = _BY_NAME["small_denominator_threshold"].default
    census_date: str | None = None
    disclosure: str = _BY_NAME["disclosure"].default
    threshold: int = _BY_NAME["threshold"].default
    round_base3: bool = _BY_NAME["round_base3"].default
    given: frozenset = field(default=frozenset(), compare=False, repr=False)
    origin: str = field(default="keyword", compare=False, repr=False)

    # ----------------------------------------------------------------- building
    @classmethod
    def build(
        cls,
        values: Mapping[str, Any] | None = None,
        *,
        origin: str = "keyword",
        base: Parameters | None = None,
    ) -> Parameters:
        """Parameters from keyword values (``None`` means "not given"), checked.

        Raises
        ------
        ParameterError
            An unknown name or a value that is not allowed.
        """
        base = base or cls()
        values = {k: v for k, v in (values or {}).items() if v is not None}
        unknown = sorted(set(values) - set(_BY_NAME))
        if unknown:
            raise ParameterError(
                f"unknown parameter(s) {', '.join(unknown)}; known: {', '.join(_BY_NAME)}",
                name=unknown[0],
                origin=origin,
            )
        checked = {}
        for name, value in values.items():
            p = _BY_NAME[name]
            value = p.check(value, origin)
            if name == "census_date":
                value = p.constraint.parse(value).isoformat()
            checked[name] = value
        return dataclasses.replace(
            base,
            **checked,
            given=base.given | frozenset(checked),
            origin=origin if checked else base.origin,
        )

    @classmethod
    def from_table(cls, table: Mapping[str, Any] | None) -> Parameters:
        """The allowed values of a dataset.toml ``[parameters]`` table (problems skipped: they
        are reported by :func:`check_table` during validation)."""
        good = {}
        for name, value in (table or {}).items() if isinstance(table, Mapping) else ():
            p = _BY_NAME.get(name)
            if p is not None and p.in_dataset_toml and p.constraint.problem(value) is None:
                good[name] = value
        return cls.build(good, origin="dataset.toml")

    def replace(self, **values: Any) -> Parameters:
        """A copy with keyword values set (checked; ``None`` means "not given")."""
        return Parameters.build(values, base=self)

    def for_dataset(self, ds) -> Parameters:
        """The parameters of one dataset: its dataset.toml values where this object does not
        set them, and its census day (checked to lie within the period).

        Raises
        ------
        ParameterError
            The census day outside the period (``origin`` says who set it).
        """
        import pandas as pd

        own = getattr(ds, "parameters", None)
        values = {}
        if isinstance(own, Parameters):
            values = {n: getattr(own, n) for n in own.given if n not in self.given}
        census, origin = self.census_date, self.origin
        if "census_date" not in self.given or census is None:
            census, origin = ds.census_date, "dataset.toml"
        start, end = pd.Timestamp(ds.period_start), pd.Timestamp(ds.period_end)
        if pd.isna(start) or pd.isna(end) or census is None or pd.isna(pd.Timestamp(census)):
            raise ParameterError(
                "the dataset has no valid period_start, period_end and census_date",
                name="census_date",
                origin="dataset.toml",
            )
        day = pd.Timestamp(census).normalize()
        if not start <= day <= end:
            where = "--census-date" if origin == "command line" else "census_date"
            raise ParameterError(
                f"{where} {day.date()} must lie within the period {start.date()} to {end.date()}",
                name="census_date",
                origin=origin,
            )
        values["census_date"] = day.strftime("%Y-%m-%d")
        resolved = dataclasses.replace(self, **values)
        return dataclasses.replace(resolved, given=self.given | frozenset(values))

    # ----------------------------------------------------------------- reading
    def as_dict(self) -> dict[str, Any]:
        """The computation parameters, as recorded in manifest.json (declaration order, the
        census day last)."""
        names = [p.name for p in PARAMETERS if p.computation and p.name != "census_date"]
        return {**{n: getattr(self, n) for n in names}, "census_date": self.census_date}

    @property
    def child_unit(self) -> bool:
        """``count_unit = "child"``."""
        return self.count_unit == "child"


# --------------------------------------------------------------------------- dataset.toml


def check_table(table: Any) -> list[tuple[str, str, Any, str]]:
    """Problems of a dataset.toml ``[parameters]`` table, for validation.

    Returns
    -------
    list of (severity, key, value, message)
        ``warning`` for an unknown key (ignored), ``error`` for a value that is not allowed.
    """
    out: list[tuple[str, str, Any, str]] = []
    if table is None:
        return out
    if not isinstance(table, Mapping):
        return [("error", "parameters", None, "[parameters] must be a section of key = value")]
    for key, value in table.items():
        p = _BY_NAME.get(key)
        col = f"parameters.{key}"
        if p is None or not p.in_dataset_toml:
            out.append(
                (
                    "warning",
                    col,
                    None,
                    f"{col} is not a parameter; known: {', '.join(DATASET_TOML_NAMES)}",
                )
            )
            continue
        problem = p.constraint.problem(value)
        if problem:
            out.append(("error", col, value, f"{col} = {value!r}: {problem}"))
    return out


# --------------------------------------------------------------------------- command line


def add_options(parser: argparse.ArgumentParser, command: str) -> None:
    """Add the options of the parameters that ``command`` offers, from the declaration."""
    mine = [p for p in PARAMETERS if command in p.commands]
    groups = {
        True: "parameters (override dataset.toml and the defaults)",
        False: "disclosure control",
    }
    for computation, title in groups.items():
        params = [p for p in mine if p.computation == computation]
        if not params:
            continue
        g = parser.add_argument_group(title)
        for p in params:
            default = p.default_for(command)
            shown = (
                ""
                if default is None
                else f" (default {str(default).lower()})"
                if isinstance(default, bool)
                else f" (default {default})"
            )
            if isinstance(p.constraint, Boolean):
                g.add_argument(p.flag, dest=p.name, action="store_true", default=None, help=p.help)
                continue
            kwargs: dict[str, Any] = {
                "dest": p.name,
                "default": None,
                "help": p.help + shown,
                "type": _argparse_type(p),
            }
            if isinstance(p.constraint, Options):
                kwargs["choices"] = p.constraint.choices
            if p.metavar:
                kwargs["metavar"] = p.metavar
            g.add_argument(p.flag, **kwargs)


def _argparse_type(p: Parameter):
    def convert(text: str):
        try:
            value = p.constraint.from_text(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(
                f"{text!r}: {exc or p.constraint.describe()}"
            ) from None
        problem = p.constraint.problem(value) if not isinstance(p.constraint, Options) else None
        if problem:
            raise argparse.ArgumentTypeError(f"{text!r}: {problem}")
        return value

    convert.__name__ = p.name
    return convert


def from_arguments(args: argparse.Namespace, command: str) -> Parameters:
    """The parameters given on a command line (with the command's own defaults)."""
    values = {}
    for p in PARAMETERS:
        if command in p.commands and getattr(args, p.name, None) is not None:
            values[p.name] = getattr(args, p.name)
    base = dataclasses.replace(
        Parameters(),
        **{
            p.name: p.command_defaults[command] for p in PARAMETERS if command in p.command_defaults
        },
    )
    return Parameters.build(values, origin="command line", base=base)


# --------------------------------------------------------------------------- documentation


def parameter_table(names: Iterable[str] | None = None) -> list[dict[str, str]]:
    """One row per parameter (name, default, allowed, where, option, commands, help), for the
    documentation and ``--help`` texts."""
    rows = []
    for p in PARAMETERS:
        if names is not None and p.name not in names:
            continue
        where = (
            "dataset.toml [parameters], keyword, command line"
            if p.in_dataset_toml
            else (
                "dataset.toml (top level), keyword, command line"
                if p.name == "census_date"
                else "keyword, command line"
            )
        )
        rows.append(
            {
                "name": p.name,
                "default": "the dataset's census day" if p.default is None else str(p.default),
                "allowed": p.constraint.describe(),
                "where": where,
                "option": p.flag,
                "commands": ", ".join(p.commands),
                "help": p.help,
            }
        )
    return rows
