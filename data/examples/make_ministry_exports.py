"""Build data/examples/ministry_exports/ from the synthetic sample data/samples/XLA/2024.

SYNTHETIC DATA: the records are those of the simulated sample (no real child is described),
rewritten as a ministry's registers would export them, so that the ingest example starts from
files that look real:

- ``police/poste_*.csv``: one file per police station, French headers below a title row and a
  blank row, dates written 05/03/2024, sex as Masculin/Féminin/Inconnu, offences as national
  labels, the child's sex and date of birth repeated on every arrest, the station as an extra
  column;
- ``tribunal/decisions_2024.csv``: the court's case system, Windows-1252 with semicolons,
  dates written 05.03.2024, decisions and offences as labels;
- ``detention/registre_detention.xlsx``: the detention register workbook, two title rows above
  the header on every sheet, real Excel dates, Oui/Non answers; sheets Registre (episodes),
  Etablissements, Visites and Inspections;
- ``population/population_2024.csv``: the statistics office's table, one column per age.

``mapping.toml`` beside them (written by hand, kept in the repository) says how they become the
dataset again; ``jj-indicators ingest data/examples/ministry_exports/mapping.toml --out DIR``
gives the records of the sample, and the same indicators.

Usage::

    python data/examples/make_ministry_exports.py [--out data/examples/ministry_exports]
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "samples" / "XLA" / "2024"
SEED = 2024

SEX = {"M": "Masculin", "F": "Féminin", "U": "Inconnu"}
OFFENCES = {
    "01": ["Homicide volontaire", "Tentative de meurtre"],
    "02": ["Coups et blessures volontaires", "Violences aggravées"],
    "03": ["Agression sexuelle"],
    "04": ["Vol avec violence", "Vol à main armée"],
    "05": ["Vol simple", "Cambriolage", "Dégradation de biens"],
    "06": ["Usage de stupéfiants", "Trafic de stupéfiants"],
    "07": ["Escroquerie"],
    "08": ["Outrage à agent", "Rébellion"],
    "09": ["Port d'arme prohibée"],
    "10": ["Braconnage"],
    "11": ["Autre infraction"],
    "status": ["Fugue", "Absentéisme scolaire"],
}
DECISIONS = {
    "diversion": ["Médiation pénale", "Rappel à la loi"],
    "custodial_sentence": ["Emprisonnement ferme", "Placement en centre fermé"],
    "non_custodial_sentence": ["Sursis simple", "Travail d'intérêt général",
                               "Liberté surveillée"],
    "acquittal": ["Relaxe"],
    "dismissal": ["Classement sans suite", "Non-lieu"],
}
END_REASONS = {"release": "Libération", "transfer": "Transfert", "death": "Décès",
               "escape": "Évasion"}
FACILITY_TYPES = {"police": "Commissariat", "pretrial": "Maison d'arrêt",
                  "juvenile_institution": "Centre éducatif fermé",
                  "adult_prison": "Centre pénitentiaire", "closed_welfare": "Foyer fermé",
                  "other": "Autre"}
DIRECTIONS = {"received": "Visite au parloir", "home_leave": "Permission de sortir"}
YES_NO = {"true": "Oui", "false": "Non"}
STATIONS = ["centre", "nord", "sud", "est", "ouest", "port", "gare", "lac"]


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE / f"{name}.csv", dtype=str, keep_default_na=False)


def _labels(codes: pd.Series, table: dict[str, list[str]], rng) -> pd.Series:
    """Each code as one of its national labels (chosen at random, reproducibly)."""
    out = [table[c][rng.integers(len(table[c]))] if c else "" for c in codes]
    return pd.Series(out, index=codes.index)


def _dates(iso: pd.Series, fmt: str) -> pd.Series:
    return iso.map(lambda v: dt.date.fromisoformat(v).strftime(fmt) if v else "")


def police(out: Path, rng) -> None:
    """One CSV file per police station."""
    arrests, children = _read("arrests"), _read("children").set_index("child_id")
    station = rng.integers(len(STATIONS), size=len(arrests))
    frame = pd.DataFrame({
        "N° PV": arrests["arrest_id"].str.replace("A", "PV-", regex=False),
        "Code enfant": arrests["child_id"],
        "Date de l'arrestation": _dates(arrests["arrest_date"], "%d/%m/%Y"),
        "Infraction": _labels(arrests["offence_category"], OFFENCES, rng),
        "Sexe": arrests["child_id"].map(children["sex"]).map(SEX),
        "Date de naissance": _dates(arrests["child_id"].map(children["date_of_birth"]),
                                    "%d/%m/%Y"),
        "Âge": arrests["age_years"],
        "Poste": [f"Poste {STATIONS[s].title()}" for s in station],
    })
    folder = out / "police"
    folder.mkdir(parents=True, exist_ok=True)
    for k, name in enumerate(STATIONS):
        part = frame[station == k]
        with open(folder / f"poste_{k + 1:02d}_{name}.csv", "w", encoding="utf-8",
                  newline="") as fh:
            fh.write(f"Registre des arrestations - Poste {name.title()} - exporté le "
                     "15/01/2025\n\n")
            part.to_csv(fh, index=False, lineterminator="\n")


def court(out: Path, rng) -> None:
    """The court export (Windows-1252, semicolons, 05.03.2024)."""
    d = _read("dispositions")
    frame = pd.DataFrame({
        "N° jugement": d["disposition_id"].str.replace("D", "J", regex=False),
        "Code enfant": d["child_id"],
        "Date du jugement": _dates(d["decision_date"], "%d.%m.%Y"),
        "Décision": _labels(d["decision"], DECISIONS, rng),
        "Date des faits": _dates(d["offence_date"], "%d.%m.%Y"),
        "Infraction": _labels(d["offence_category"], OFFENCES, rng),
    })
    folder = out / "tribunal"
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "decisions_2024.csv", index=False, sep=";", encoding="cp1252",
                 lineterminator="\r\n")


def _excel_date(v: str):
    return dt.datetime.fromisoformat(v) if v else None


def _sheet(wb, title: str, caption: str, frame: pd.DataFrame, dates=()) -> None:
    ws = wb.create_sheet(title)
    ws.append([caption])
    ws.append(["Administration pénitentiaire - données synthétiques"])
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append([_excel_date(v) if c in dates else (v if v != "" else None)
                   for c, v in zip(frame.columns, row, strict=True)])
    for c, name in enumerate(frame.columns, start=1):
        if name in dates:
            for cell in ws.iter_cols(min_col=c, max_col=c, min_row=4):
                for x in cell:
                    x.number_format = "DD/MM/YYYY"


def detention(out: Path) -> None:
    """The detention register workbook (four sheets, title rows, date cells)."""
    import openpyxl

    e, f = _read("detentions"), _read("facilities")
    v, i = _read("family_visits"), _read("inspections")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _sheet(wb, "Registre", "Registre d'écrou des mineurs - 2024", pd.DataFrame({
        "N° écrou": e["episode_id"].str.replace("E", "ECR-", regex=False),
        "Code enfant": e["child_id"], "Établissement": e["facility_id"],
        "Date d'entrée": e["admission_date"], "Date de sortie": e["release_date"],
        "Motif de sortie": e["end_reason"].map(lambda x: END_REASONS.get(x, "")),
        "Date de condamnation": e["sentence_date"],
        "Séparé des adultes": e["wholly_separated_from_adults"].map(
            lambda x: YES_NO.get(x, "")),
        "Suivi post-libération": e["received_aftercare"].map(lambda x: YES_NO.get(x, "")),
    }), dates=("Date d'entrée", "Date de sortie", "Date de condamnation"))
    _sheet(wb, "Etablissements", "Liste des établissements", pd.DataFrame({
        "Code": f["facility_id"], "Type": f["facility_type"].map(FACILITY_TYPES),
        "Mécanisme de plainte": f["complaints_mechanism"].map(lambda x: YES_NO.get(x, "")),
    }))
    _sheet(wb, "Visites", "Registre des visites des familles", pd.DataFrame({
        "Code enfant": v["child_id"], "Date": v["visit_date"],
        "Type de visite": v["direction"].map(lambda x: DIRECTIONS.get(x, "")),
    }), dates=("Date",))
    _sheet(wb, "Inspections", "Inspections des établissements", pd.DataFrame({
        "Établissement": i["facility_id"], "Date": i["inspection_date"],
        "Indépendante": i["independent"].map(YES_NO),
    }), dates=("Date",))
    stamp = dt.datetime(2025, 1, 15)
    wb.properties.created = wb.properties.modified = stamp
    folder = out / "detention"
    folder.mkdir(parents=True, exist_ok=True)
    wb.save(folder / "registre_detention.xlsx")


def population(out: Path) -> None:
    """The population table, one column per age."""
    p = _read("population")
    p["Sexe"] = p["sex"].map({"M": "Garçons", "F": "Filles"})
    wide = p.pivot_table(index=["year", "Sexe"], columns="age", values="population",
                         aggfunc="first").reset_index()
    ages = sorted(int(a) for a in p["age"].unique())
    wide = wide[["year", "Sexe", *[str(a) for a in ages]]]
    wide.columns = ["Année", "Sexe", *[f"Âge {a}" for a in ages]]
    folder = out / "population"
    folder.mkdir(parents=True, exist_ok=True)
    wide.to_csv(folder / "population_2024.csv", index=False, lineterminator="\n")


def main(argv=None) -> None:
    """Write every export into --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(HERE / "ministry_exports"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    rng = np.random.default_rng(SEED)
    police(out, rng)
    court(out, rng)
    detention(out)
    population(out)
    print(f"wrote the exports of {SAMPLE.relative_to(HERE.parent.parent)} into {out}")


if __name__ == "__main__":
    main()
