package claimgate.claims

allow contains "blocked.model_answer_true" if true
