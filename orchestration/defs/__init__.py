"""Everything that imports Dagster: assets, checks, jobs, schedule, sensors, resources, runs."""

import warnings

import dagster as dg

# BackfillPolicy.single_run is marked beta; it is what makes a range of years one run.
warnings.filterwarnings("ignore", category=dg.BetaWarning)
