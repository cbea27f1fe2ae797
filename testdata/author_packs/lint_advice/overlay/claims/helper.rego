# An author's leftovers: a helper nothing uses, and a line of code too long to read.
package claimgate.claims

helper_unused if {
	input.job.job_id != ""
}

appraised_by["capacity.benchmark_context"] := {b.name | some b in input.capacity.benchmarks; b.name != ""; b.hardware_class != ""; b.unit != ""; b.metric != ""; is_number(b.value)}
