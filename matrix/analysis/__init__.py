"""Analysis: what a run's results mean, computed from the results files, below reporting.

`compare` (measured support against webassembly.org's table, and the export in its
format), `diff` (two runs cell by cell), `history` (pass rates run by run) and `versions`
(the first measured version that passes). Reporting renders what these compute.
"""
