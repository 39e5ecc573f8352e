"""The academic-year partitions, defined once: keys are start years ("2022" = 2022/2023).

Dynamic, because the years come from the data (a file's title or as-of date), never from the
clock: the landing scan adds a year's key when the first file of that year arrives.
"""

import dagster as dg

ACADEMIC_YEAR_PARTITIONS = "academic_year"
academic_year_partitions = dg.DynamicPartitionsDefinition(name=ACADEMIC_YEAR_PARTITIONS)
