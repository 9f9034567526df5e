"""MkDocs hook: the parts of the user documentation that are generated from the package.

A page asks for a generated part with an HTML comment on a line of its own::

    <!-- generate: cli-reference -->          every command of ``indicators.cli.build_parser()``
    <!-- generate: indicator-table -->        one row per indicator of ``definitions.toml``
    <!-- generate: indicator JJ08 -->         the declared facts of one indicator
    <!-- generate: duration-bands -->         the duration bands of JJ04 and JJ05
    <!-- generate: flags -->                  every flag of ``definitions.toml``
    <!-- generate: links -->                  the links between indicators (disclosure)
    <!-- generate: parameter-table computation -->   the run parameters (``parameters.PARAMETERS``)
    <!-- generate: parameter count_unit -->    the declared facts of one parameter
    <!-- generate: columns detentions -->     the columns of one table (``schemas.data_dictionary``)
    <!-- generate: validation-rules -->       the rule names of ``validation.RULES``
    <!-- generate: api-reference -->          signatures and summaries of ``indicators.__all__``

The markers are replaced at build time, so the pages cannot drift from the code: a command, an
option, an indicator or a column added to the package appears in the documentation at the next
build, and a marker this hook does not know stops the build.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # build from a clone without installing the package
    sys.path.insert(0, str(ROOT))

MARKER = re.compile(r"^<!--[ \t]*generate:[ \t]*([a-z-]+)(?:[ \t]+(\S+))?[ \t]*-->[ \t]*$", re.M)

FRAMES = {
    "period": "over the 12-month period P",
    "census": "on the census day C",
    "none": "a policy answer",
}
DIMENSION_WORDS = {
    "sex": "sex",
    "age_group": "age group",
    "offence": "offence (ICCS section)",
    "facility_type": "type of place of detention",
    "legal_status": "legal status",
    "area": "area",
}
AGE_DAYS = {
    "": "no age filter",
    "arrest_date": "the arrest date",
    "census_date": "the census day C",
    "spell_admission": "the admission day of the spell",
    "date_of_death": "the date of death",
    "offence_date_else_decision_date": "the offence date, else the decision date",
}


def on_page_markdown(markdown: str, page, config, files, **kwargs) -> str:
    """Replace every ``<!-- generate: ... -->`` marker of a page by its generated Markdown."""

    def render(match: re.Match) -> str:
        name, arg = match.group(1), match.group(2)
        if name not in GENERATORS:
            raise ValueError(
                f"{page.file.src_uri}: unknown marker 'generate: {name}'; "
                f"known: {', '.join(sorted(GENERATORS))}"
            )
        return GENERATORS[name](arg)

    return MARKER.sub(render, markdown)


# --------------------------------------------------------------------------- helpers


def _cell(text: object) -> str:
    """Text for one cell of a Markdown table."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _rst_to_md(text: str) -> str:
    """Docstring markup to Markdown: ``code`` and :role:`target` become `code`."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


def _sentence(text: str) -> str:
    """``text`` with a capital first letter and a full stop."""
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _summary(obj: object) -> str:
    """The first paragraph of a docstring, on one line."""
    doc = inspect.getdoc(obj) or ""
    return _rst_to_md(" ".join(doc.split("\n\n", 1)[0].split()))


def _signature(obj: object, prefix: str) -> str:
    """``prefix(name, other=default, **parameters)``: names and defaults, no annotations."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return prefix
    params = [p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()]
    plain = sig.replace(parameters=params, return_annotation=inspect.Signature.empty)
    return f"{prefix}{plain}"


# --------------------------------------------------------------------------- the command line


def _value_words(action: argparse.Action) -> str:
    if action.nargs == 0:
        return "switch"
    if action.choices:
        return "one of " + ", ".join(f"`{c}`" for c in action.choices)
    if not action.option_strings:  # a positional argument: how many
        return {"?": "optional", "+": "one or more", "*": "any number"}.get(
            action.nargs, "required"
        )
    word = f"`{action.metavar or action.dest.upper()}`"
    kind = {int: "a whole number", float: "a number"}.get(action.type)
    return f"{word} ({kind})" if kind else word


def _default_words(action: argparse.Action) -> str:
    if action.required and action.option_strings:
        return "required"
    if action.nargs == 0 and isinstance(action.default, bool):
        return "on" if action.default else "off"
    if action.default is None or action.default == argparse.SUPPRESS:
        return ""
    if isinstance(action.default, list | tuple):
        return " ".join(f"`{v}`" for v in action.default)
    return f"`{action.default}`"


def _help_words(action: argparse.Action, prog: str) -> str:
    text = action.help or ""
    if "%(" in text:  # argparse's own placeholders, as --help expands them
        text = text % {**vars(action), "prog": prog}
    return _cell(text)


def _arguments_table(actions: list[argparse.Action], prog: str) -> list[str]:
    rows = ["| argument | value | default | what it does |", "|---|---|---|---|"]
    for action in actions:
        name = ", ".join(f"`{o}`" for o in action.option_strings)
        name = name or f"`{action.metavar or action.dest}`"
        rows.append(
            f"| {name} | {_value_words(action)} | {_default_words(action)} | "
            f"{_help_words(action, prog)} |"
        )
    return rows


def _usage(parser: argparse.ArgumentParser) -> str:
    formatter = argparse.HelpFormatter(prog=parser.prog, width=92)
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups, "")
    return formatter.format_help().strip()


def _visible(actions) -> list[argparse.Action]:
    return [
        a
        for a in actions
        if a.help != argparse.SUPPRESS
        and not isinstance(a, argparse._HelpAction | argparse._SubParsersAction)
    ]


def cli_reference(_arg: str | None = None) -> str:
    """Every command of ``jj-indicators`` with its arguments, choices, defaults and help."""
    from indicators.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {a.dest: a.help for a in sub._choices_actions}
    out = [
        "### Options of `jj-indicators` itself {#global-options}",
        "",
        "```text",
        _usage(parser),
        "```",
        "",
        *_arguments_table(_visible(parser._actions), parser.prog),
        "",
    ]
    for name, command in sub.choices.items():
        out += [
            f"### jj-indicators {name} {{#{name}}}",
            "",
            _sentence(_rst_to_md(helps.get(name) or command.description or "")),
            "",
            "```text",
            _usage(command),
            "```",
            "",
        ]
        for group in command._action_groups:
            actions = _visible(group._group_actions)
            if not actions:
                continue
            table = _arguments_table(actions, command.prog)
            out += [f"*{_sentence(group.title).rstrip('.')}*", "", *table, ""]
    return "\n".join(out)


# --------------------------------------------------------------------------- indicators


def indicator_table(_arg: str | None = None) -> str:
    """One row per indicator of ``definitions.toml``, linked to its section."""
    from indicators.registry import load_definitions

    rows = [
        "| id | indicator | core | measured | unit | records needed |",
        "|---|---|---|---|---|---|",
    ]
    for spec in load_definitions():
        tables = ", ".join(f"`{t}`" for t in spec.tables) or "`dataset.toml` `[policy]`"
        rows.append(
            f"| [{spec.id}](indicators.md#{spec.id.lower()}) | {_cell(spec.name)} | "
            f"{'core' if spec.core else ''} | {FRAMES.get(spec.frame, spec.frame)} | "
            f"{_cell(spec.unit)} | {tables} |"
        )
    return "\n".join(rows)


def indicator_facts(indicator_id: str | None) -> str:
    """The declared facts of one indicator (``definitions.toml``), as a short list."""
    from indicators.registry import get_spec

    if not indicator_id:
        raise ValueError("'generate: indicator' needs an indicator id, e.g. JJ08")
    spec = get_spec(indicator_id)
    groups = ", ".join(["total", *(DIMENSION_WORDS.get(d, d) for d in spec.disaggregations)])
    lines = [
        f"- **Definition**: {_rst_to_md(spec.definition)}",
        f"- **The Manual**: {spec.manual}",
        f"- **Unit**: {spec.unit}{' (a core indicator)' if spec.core else ''}",
    ]
    if spec.kind == "policy":
        lines.append(f"- **Answer**: `{spec.policy_key}` under `[policy]` in dataset.toml")
    else:
        tables = ", ".join(f"`{t}`" for t in spec.tables)
        lines += [
            f"- **Measured**: {FRAMES.get(spec.frame, spec.frame)}; records needed: {tables}",
            f"- **Numerator, in short**: {spec.numerator}",
        ]
        if spec.denominator:
            lines.append(f"- **Denominator, in short**: {spec.denominator}")
        lines += [
            f"- **Groups**: {groups}",
            f"- **Age taken on**: {AGE_DAYS.get(spec.age_reference_day, spec.age_reference_day)}",
            "- **Counting unit**: "
            + (
                '`count_unit = "child"` counts distinct children instead of events'
                if spec.count_unit_applies
                else "not changed by `count_unit`"
            ),
        ]
    return "\n".join(lines)


def duration_bands(_arg: str | None = None) -> str:
    """The duration bands of every duration indicator, with their statistic names."""
    from indicators.registry import load_definitions
    from indicators.stats import summarise_durations

    rows = ["| indicator | band (days, both ends included) | statistic in durations.csv |"]
    rows.append("|---|---|---|")
    for spec in load_definitions():
        # the statistic names as the engine writes them, band by band
        names = [k for k in summarise_durations([], list(spec.bands)) if k.startswith("band_")]
        for (low, high), name in zip(spec.bands, names, strict=True):
            days = f"{low} and over" if high is None else f"{low} to {high}"
            rows.append(f"| {spec.id} | {days} | `{name}` |")
    return "\n".join(rows)


# --------------------------------------------------------------------------- flags and parameters

FLAG_SETTERS = {
    "engine": "the computation",
    "disclosure": "disclosure control (public outputs)",
    "counts": "aggregate counts and published figures",
    "reference": "the published reference figures",
}


def flag_list(_arg: str | None = None) -> str:
    """Every flag declared in ``definitions.toml``: code (an anchor), meaning, who sets it."""
    from indicators.registry import declaration

    out = []
    for flag in declaration().flags:
        setter = FLAG_SETTERS.get(flag.set_by, flag.set_by)
        text = f"{_sentence(flag.note)} *Set by {setter}*"
        if flag.parameter:
            text += f"; threshold: [`{flag.parameter}`](parameters.md#{flag.parameter})"
        if flag.hollow:
            text += "; charts draw the value hollow, with a footnote"
        out += [f"`{flag.code}` {{#{flag.code}}}", f":   {text}.", ""]
    return "\n".join(out)


def link_list(_arg: str | None = None) -> str:
    """The links between indicators declared in ``definitions.toml``, one bullet each."""
    from indicators.registry import declaration

    return "\n".join(f"- {_sentence(link.description)}" for link in declaration().links)


def _parameter_facts(p, row: dict[str, str]) -> dict[str, str]:
    """Default, allowed values and where a parameter is set, in words, from its declaration."""
    if isinstance(p.default, bool):
        default = "on" if p.default else "off"
    elif p.default is None:
        default = row["default"]
    else:
        default = f"`{row['default']}`"
    by_value: dict[str, list[str]] = {}
    for command, value in p.command_defaults.items():
        by_value.setdefault(str(value), []).append(f"`{command}`")
    for value, commands in by_value.items():
        default += f"; `{value}` for {', '.join(commands)}"
    choices = getattr(p.constraint, "choices", None)
    allowed = ", ".join(f"`{c}`" for c in choices) if choices else row["allowed"]
    if isinstance(p.default, bool):
        allowed = "a switch: given or not"
    if p.in_dataset_toml:
        toml = "`[parameters]`"
    elif "dataset.toml" in row["where"]:
        toml = f"`{p.name}` (top level)"
    else:
        toml = "no"
    commands = ", ".join(f"[`{c}`](cli.md#{c})" for c in p.commands)
    return {
        "default": default,
        "allowed": allowed,
        "toml": toml,
        "option": f"`{p.flag}` ({commands})",
    }


def _parameters(names=None):
    from indicators.parameters import PARAMETERS, parameter_table

    rows = {r["name"]: r for r in parameter_table()}
    return [(p, _parameter_facts(p, rows[p.name])) for p in PARAMETERS if p.name in rows]


def parameter_table(kind: str | None) -> str:
    """The parameters declared in ``indicators.parameters.PARAMETERS``, as one table:
    ``computation`` (they change the figures) or ``publication`` (how results are published)."""
    if kind not in ("computation", "publication"):
        raise ValueError("'generate: parameter-table' needs 'computation' or 'publication'")
    rows = [
        "| parameter | default | allowed values | `dataset.toml` | command line |",
        "|---|---|---|---|---|",
    ]
    for p, f in _parameters():
        if p.computation == (kind == "computation"):
            rows.append(
                f"| [`{p.name}`](parameters.md#{p.name}) | {f['default']} | {f['allowed']} "
                f"| {f['toml']} | {f['option']} |"
            )
    return "\n".join(rows)


def parameter_facts(name: str | None) -> str:
    """The declared facts of one parameter, as a short list."""
    for p, f in _parameters():
        if p.name == name:
            return "\n".join(
                [
                    f"- **What it does**: {_sentence(p.help)}",
                    f"- **Default**: {f['default']}",
                    f"- **Allowed values**: {f['allowed']}",
                    f"- **In `dataset.toml`**: {f['toml']}",
                    f"- **Command line**: {f['option']}",
                ]
            )
    raise ValueError(f"'generate: parameter {name}': no such parameter")


# --------------------------------------------------------------------------- the record format


@cache
def _data_dictionary() -> dict[str, list[str]]:
    """The table rows of each section of ``schemas.data_dictionary()``, by table name."""
    from indicators.schemas import data_dictionary

    sections: dict[str, list[str]] = {}
    current = None
    for line in data_dictionary().splitlines():
        if line.startswith("## "):
            current = line[3:].split()[0]
            sections[current] = []
        elif current is not None and line.startswith("|"):
            sections[current].append(line)
    return sections


def table_columns(table: str | None) -> str:
    """The columns of one table of the record format, as validated."""
    sections = _data_dictionary()
    if table not in sections:
        raise ValueError(f"'generate: columns {table}': no such table; known: {sorted(sections)}")
    return "\n".join(sections[table])


def validation_rules(_arg: str | None = None) -> str:
    """Every rule name a validation report can carry, with its meaning."""
    from indicators.validation import RULES

    rows = ["| rule | meaning |", "|---|---|"]
    rows += [f"| `{rule}` | {_cell(meaning)} |" for rule, meaning in RULES.items()]
    return "\n".join(rows)


# --------------------------------------------------------------------------- the Python API


def api_reference(_arg: str | None = None) -> str:
    """Signature and summary of every public name of ``indicators`` and of its charts."""
    import types

    import indicators

    names = [n for n in indicators.__all__ if not n.startswith("_")]
    objects = {n: getattr(indicators, n) for n in names}
    functions = [n for n, o in objects.items() if inspect.isfunction(o)]
    classes = [n for n, o in objects.items() if inspect.isclass(o)]
    modules = [n for n, o in objects.items() if isinstance(o, types.ModuleType)]
    out = ["### Functions {#functions}", ""]
    for name in functions:
        out += [f"#### {name} {{#{name}}}", "", "```python"]
        out += [_signature(objects[name], f"jj.{name}"), "```", "", _summary(objects[name]), ""]
    out += ["### Classes {#classes}", ""]
    for name in classes:
        out += [f"#### {name} {{#{name}}}", "", _summary(objects[name]), ""]
    out += ["### Modules {#modules}", ""]
    for name in modules:
        out += [f"#### {name} {{#{name}}}", "", f"`indicators.{name}`: {_summary(objects[name])}"]
        out.append("")
        if name != "charts":
            continue
        for fname in getattr(objects[name], "__all__", []):
            func = getattr(objects[name], fname)
            if not inspect.isfunction(func):
                continue
            out += [f"##### charts.{fname} {{#{fname}}}", "", "```python"]
            out += [_signature(func, f"charts.{fname}"), "```", "", _summary(func), ""]
    return "\n".join(out)


GENERATORS = {
    "cli-reference": cli_reference,
    "indicator-table": indicator_table,
    "indicator": indicator_facts,
    "duration-bands": duration_bands,
    "flags": flag_list,
    "links": link_list,
    "parameter-table": parameter_table,
    "parameter": parameter_facts,
    "columns": table_columns,
    "validation-rules": validation_rules,
    "api-reference": api_reference,
}
