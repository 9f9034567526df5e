"""Census-day indicators estimated from a sample of places of detention (issue 13).

When registers are incomplete, the Manual's snapshot indicators are measured by visiting a
sample of places on the census day: places are drawn at random within strata (police stations,
pre-trial centres...) and every child held in a visited place is counted (a stratified cluster
sample). This sub-package holds three modules, each on its own floor of the import layers (so
this ``__init__`` imports none of them):

- :mod:`.estimators` (pure numpy/scipy): Horvitz-Thompson totals, ratio estimators, Taylor
  linearised variances with the finite population correction, t intervals, design effects;
- :mod:`.plan` (pure numpy/pandas): how many places to visit per stratum for a target margin
  of error, and drawing them with a seed;
- :mod:`.design`: the design a dataset declares (``[sample]`` of dataset.toml, ``stratum`` and
  ``sample_weight`` of ``facilities``), and its validation rules.

The engine uses them in :mod:`indicators.compute.estimates`. User documentation:
docs/sample-surveys.md.
"""
