"""Policy simulation (issue 12): how the State shares money among the 308 municipalities.

`scenario` is the one model a scenario is validated with, `engine` the pure allocation (DataFrames in,
DataFrames out, integer cents), `presets` the law-cited starting points, `inputs` the queries for the
drivers and baselines on the built database.
"""
