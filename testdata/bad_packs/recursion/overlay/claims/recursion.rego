package claimgate.claims

f(x) := f(x + 1)

allow contains "job.output_bound" if f(1) > 0
