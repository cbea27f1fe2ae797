package claimgate.requirements

describe.gpu_cc_mode_asserted := "the provider states `nvidia.gpu.cc_mode: on` in a facts document"

gpu_cc_mode_asserted if {
	some f in input.facts
	f.key == "nvidia.gpu.cc_mode"
	f.value == "on"
}

unmet.gpu_cc_mode_asserted := "no facts document states `nvidia.gpu.cc_mode: on`"
