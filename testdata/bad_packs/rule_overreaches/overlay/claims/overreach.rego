package claimgate.claims

allow contains "job.ran_under_policy" if true
