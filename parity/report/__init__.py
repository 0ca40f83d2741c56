"""Pure functions from results to output: the rich console report and the JSON report."""
